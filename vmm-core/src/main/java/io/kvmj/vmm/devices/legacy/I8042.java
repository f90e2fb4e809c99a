package io.kvmj.vmm.devices.legacy;

import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.bus.BusDevice;

import io.kvmj.vmm.devices.VmStopper;
import io.kvmj.vmm.snapshot.Stateless;

/**
 * Just enough of the i8042 keyboard controller for a guest to reset the machine (command 0xfe on port 0x64),
 * the way Linux reboots when it has nothing better. No keyboard is attached: the buffers always read empty.
 */
public final class I8042 implements BusDevice, Stateless {
    public static final int BASE_PORT = 0x60;
    /** Ports 0x60..0x64: data, (0x61-0x63 unused), command/status. */
    public static final int PORT_COUNT = 5;
    private static final long COMMAND_OFFSET = 4;
    private static final int CMD_RESET_CPU = 0xfe;

    private final VmStopper stopper;

    public I8042(VmStopper stopper) {
        this.stopper = stopper;
    }

    @Override
    public long read(long offset, int size) {
        return 0; // status: output buffer empty, input buffer empty
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset == COMMAND_OFFSET && (value & 0xff) == CMD_RESET_CPU) {
            stopper.requestStop(new VmExitReason.Reset("i8042 reset"));
        }
    }
}
