package io.kvmj.vmm.arch.x86.acpi;

/**
 * Where the guest finds kvmj's ACPI power device ({@code io.kvmj.vmm.devices.acpi.AcpiPowerDevice}): a window of
 * {@link #PORT_COUNT} I/O ports from {@code base} holding the hardware-reduced ACPI sleep control and sleep
 * status registers and the reset register, all 8 bits wide. The FADT points at these ports, the DSDT's
 * {@code \_S5} names {@link #S5_SLEEP_TYPE}, and the device implements the same constants, so the three agree.
 *
 * <p>Powering off, Linux writes {@code (S5_SLEEP_TYPE << SLEEP_TYPE_SHIFT) | SLEEP_ENABLE} = 0x34 to the sleep
 * control register; rebooting, it writes {@link #RESET_VALUE} to the reset register.
 *
 * @param base the first port of the window; {@link #DEFAULT} puts it at {@link #DEFAULT_BASE}
 */
public record PowerPorts(int base) {
    /** 0x600-0x603: free on kvmj's port map, clear of the ISA and PC legacy ports. */
    public static final int DEFAULT_BASE = 0x600;
    public static final int PORT_COUNT = 4;
    /** SLEEP_CONTROL_REG: write-only; SLP_TYP in bits 2-4, SLP_EN in bit 5. */
    public static final int SLEEP_CONTROL_OFFSET = 0;
    /** SLEEP_STATUS_REG: reads 0 (no wake event ever pending); writes (WAK_STS clears) are ignored. */
    public static final int SLEEP_STATUS_OFFSET = 1;
    /** RESET_REG: writing {@link #RESET_VALUE} resets the machine. Offset 3 is reserved. */
    public static final int RESET_OFFSET = 2;
    public static final int RESET_VALUE = 0x01;
    /** The SLP_TYP of the S5 (soft off) state, as the DSDT's \_S5 package gives it. */
    public static final int S5_SLEEP_TYPE = 5;
    public static final int SLEEP_TYPE_SHIFT = 2;
    public static final int SLEEP_TYPE_MASK = 0x07 << SLEEP_TYPE_SHIFT;
    public static final int SLEEP_ENABLE = 0x20;

    public static final PowerPorts DEFAULT = new PowerPorts(DEFAULT_BASE);

    public PowerPorts {
        if (base < 0 || base > 0x10000 - PORT_COUNT) {
            throw new IllegalArgumentException("ACPI power ports out of the I/O space: 0x" + Integer.toHexString(base));
        }
    }

    public int sleepControlPort() {
        return base + SLEEP_CONTROL_OFFSET;
    }

    public int sleepStatusPort() {
        return base + SLEEP_STATUS_OFFSET;
    }

    public int resetPort() {
        return base + RESET_OFFSET;
    }
}
