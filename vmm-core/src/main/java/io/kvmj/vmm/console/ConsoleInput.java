package io.kvmj.vmm.console;

import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.devices.VmStopper;
import io.kvmj.vmm.devices.legacy.Serial;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Pumps host input (usually stdin) into a guest's serial port on a daemon thread. One pump serves every VM a
 * session runs: a VM restarted after a guest reset is {@linkplain #connect connected} in its predecessor's
 * place, so no second reader competes for the same input.
 */
public final class ConsoleInput {
    private static final Logger LOG = Logger.getLogger(ConsoleInput.class.getName());

    private record Target(Serial serial, VmStopper stopper) {
    }

    private final InputStream input;
    private final boolean escapes;
    private volatile Target target;
    private Thread pump;

    /**
     * @param input   what the guest reads; end of input just ends the pump (the guest keeps running)
     * @param escapes whether Ctrl-A x stops the VM (for raw terminals, where Ctrl-C goes to the guest)
     */
    public ConsoleInput(InputStream input, boolean escapes) {
        this.input = Objects.requireNonNull(input, "input");
        this.escapes = escapes;
    }

    /** Whether Ctrl-A x on this input stops the VM. */
    public boolean escapes() {
        return escapes;
    }

    /** From now on input goes to {@code serial}, and Ctrl-A x stops through {@code stopper}; starts the pump once. */
    public synchronized void connect(Serial serial, VmStopper stopper) {
        target = new Target(serial, stopper);
        if (pump == null) {
            pump = Thread.ofPlatform().name("console-input").daemon(true).start(this::pump);
        }
    }

    private void pump() {
        byte[] buf = new byte[256];
        byte[] filtered = new byte[buf.length + 1];
        EscapeFilter filter = new EscapeFilter();
        try {
            int n;
            while ((n = input.read(buf)) > 0) {
                Target t = target;
                if (escapes) {
                    int m = filter.filter(buf, n, filtered);
                    t.serial().feed(filtered, m);
                    if (filter.quitRequested()) {
                        t.stopper().requestStop(new VmExitReason.Stopped("Ctrl-A x on the console"));
                        return;
                    }
                } else {
                    t.serial().feed(buf, n);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "console input failed: {0}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
