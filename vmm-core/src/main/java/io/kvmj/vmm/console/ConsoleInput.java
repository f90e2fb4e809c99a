package io.kvmj.vmm.console;

import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.devices.VmStopper;
import io.kvmj.vmm.devices.legacy.Serial;

import java.io.IOException;
import java.io.InputStream;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Pumps host input (usually stdin) into the guest's serial port on a daemon thread. */
public final class ConsoleInput {
    private static final Logger LOG = Logger.getLogger(ConsoleInput.class.getName());

    private ConsoleInput() {
    }

    /**
     * Starts the pump. With {@code escapes}, Ctrl-A x stops the VM (for raw terminals, where Ctrl-C goes to the
     * guest). End of input just ends the pump: the guest keeps running.
     */
    public static Thread start(InputStream input, Serial serial, VmStopper stopper, boolean escapes) {
        return Thread.ofPlatform().name("console-input").daemon(true).start(() -> {
            byte[] buf = new byte[256];
            byte[] filtered = new byte[buf.length + 1];
            EscapeFilter filter = new EscapeFilter();
            try {
                int n;
                while ((n = input.read(buf)) > 0) {
                    if (escapes) {
                        int m = filter.filter(buf, n, filtered);
                        serial.feed(filtered, m);
                        if (filter.quitRequested()) {
                            stopper.requestStop(new VmExitReason.Stopped("Ctrl-A x on the console"));
                            return;
                        }
                    } else {
                        serial.feed(buf, n);
                    }
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "console input failed: {0}", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
