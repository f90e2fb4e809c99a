package io.kvmj.vmm.devices.legacy;

import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.bus.BusDevice;
import io.kvmj.vmm.devices.VmStopper;
import io.kvmj.vmm.snapshot.SnapshotException;
import io.kvmj.vmm.snapshot.Snapshottable;

/**
 * The PC's reset control register at port 0xCF9 (Intel I/O controller hubs; Linux's {@code reboot=p} and the
 * BOOT_CF9 paths): a write with the reset-CPU bit (2) set resets the machine, which ends the VM. Reads return
 * the last value written, as Linux reads it before setting the bit.
 */
public final class ResetControl implements BusDevice, Snapshottable<ResetControl.State> {
    public static final int PORT = 0xcf9;
    public static final int PORT_COUNT = 1;
    /** System reset (bit 1) with reset CPU (bit 2): what a hard reset writes. */
    public static final byte HARD_RESET = 0x06;
    private static final int RESET_CPU = 0x04;

    private final VmStopper stopper;
    private volatile int value;

    /** @param value the register as the guest reads it (0-255, the reset-CPU bit clear) */
    public record State(int value) {
    }

    public ResetControl(VmStopper stopper) {
        this.stopper = stopper;
    }

    @Override
    public long read(long offset, int size) {
        return value;
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State saveState() {
        return new State(value);
    }

    @Override
    public void restoreState(State state) throws SnapshotException {
        if ((state.value() & ~0xff) != 0 || (state.value() & RESET_CPU) != 0) {
            throw new SnapshotException(String.format("reset control register value 0x%x is not one it holds",
                    state.value()));
        }
        value = state.value();
    }

    @Override
    public void write(long offset, int size, long value) {
        this.value = (int) value & 0xff & ~RESET_CPU; // the bit is self-clearing
        if ((value & RESET_CPU) != 0) {
            stopper.requestStop(new VmExitReason.Reset("port 0xcf9 reset"));
        }
    }
}
