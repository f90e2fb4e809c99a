package io.kvmj.vmm.devices.legacy;

import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.bus.BusDevice;
import io.kvmj.vmm.devices.VmStopper;
import io.kvmj.vmm.snapshot.Stateless;

/**
 * QEMU's isa-debug-exit: a write of value v ends the VM with exit status (v << 1) | 1, so test guests report
 * pass/fail the same way under kvmj and QEMU.
 */
public final class DebugExit implements BusDevice, Stateless {
    public static final int DEFAULT_PORT = 0xf4;
    /** QEMU's iosize=4: ports base..base+3. */
    public static final int PORT_COUNT = 4;

    private final VmStopper stopper;

    public DebugExit(VmStopper stopper) {
        this.stopper = stopper;
    }

    @Override
    public long read(long offset, int size) {
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset == 0) {
            stopper.requestStop(new VmExitReason.DebugExit(statusFor(value)));
        }
    }

    static int statusFor(long value) {
        return (int) (((value << 1) | 1) & 0xff);
    }
}
