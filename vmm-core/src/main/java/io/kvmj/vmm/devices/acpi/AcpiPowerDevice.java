package io.kvmj.vmm.devices.acpi;

import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.arch.x86.acpi.PowerPorts;
import io.kvmj.vmm.bus.BusDevice;
import io.kvmj.vmm.devices.VmStopper;
import io.kvmj.vmm.snapshot.Stateless;

/**
 * The hardware-reduced ACPI power registers the FADT points at ({@link PowerPorts}, attached at
 * {@link PowerPorts#DEFAULT_BASE} for {@link PowerPorts#PORT_COUNT} ports): writing SLP_EN with the S5 sleep type
 * to the sleep control register powers the VM off, writing {@link PowerPorts#RESET_VALUE} to the reset register
 * resets it. Both end the VM cleanly ({@link VmExitReason.Reset}). Every register reads 0: the sleep status
 * register never shows a wake event. Any other write (other sleep types, SLP_TYP without SLP_EN, other reset
 * values, the status and reserved registers) is ignored. A wider access acts on the register at its first port,
 * with the low byte of the value.
 */
public final class AcpiPowerDevice implements BusDevice, Stateless {
    static final int S5_COMMAND = (PowerPorts.S5_SLEEP_TYPE << PowerPorts.SLEEP_TYPE_SHIFT) | PowerPorts.SLEEP_ENABLE;

    private final VmStopper stopper;

    public AcpiPowerDevice(VmStopper stopper) {
        this.stopper = stopper;
    }

    @Override
    public long read(long offset, int size) {
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        int b = (int) (value & 0xff);
        if (offset == PowerPorts.SLEEP_CONTROL_OFFSET
                && (b & (PowerPorts.SLEEP_TYPE_MASK | PowerPorts.SLEEP_ENABLE)) == S5_COMMAND) {
            stopper.requestStop(new VmExitReason.PowerOff("ACPI power off"));
        } else if (offset == PowerPorts.RESET_OFFSET && b == PowerPorts.RESET_VALUE) {
            stopper.requestStop(new VmExitReason.Reset("ACPI reset"));
        }
    }
}
