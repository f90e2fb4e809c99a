package io.kvmj.vmm.arch.x86.acpi;

/**
 * The Fixed ACPI Description Table ("FACP"), revision 6.3, 276 bytes (ACPI 6.3 section 5.2.9). kvmj is a
 * hardware-reduced ACPI platform: no PM1/PM2/GPE/PM-timer blocks, no SMI command port, no FACS. Power-off goes
 * through the sleep control/status registers, reboot through the reset register, all in {@link PowerPorts}.
 */
final class Fadt {
    static final String SIGNATURE = "FACP";
    static final int REVISION = 6;
    static final int MINOR_REVISION = 3;
    static final int LENGTH = 276;

    // Field offsets
    static final int DSDT = 40;
    static final int PREFERRED_PM_PROFILE = 45;
    static final int SCI_INT = 46;
    static final int IAPC_BOOT_ARCH = 109;
    static final int FLAGS = 112;
    static final int RESET_REG = 116;
    static final int RESET_VALUE = 128;
    static final int FADT_MINOR_VERSION = 131;
    static final int X_DSDT = 140;
    static final int SLEEP_CONTROL_REG = 244;
    static final int SLEEP_STATUS_REG = 256;
    static final int HYPERVISOR_VENDOR_ID = 268;

    /** Unspecified: a microVM is neither a desktop nor a server in particular. */
    static final int PM_PROFILE_UNSPECIFIED = 0;
    /**
     * ISA IRQ 9, the PC convention. A hardware-reduced platform has no SCI (Linux ignores this field then, and older
     * kernels that still route it get an unused level-triggered IRQ 9): 0 would alias the timer's IRQ 0 override.
     */
    static final int SCI_IRQ = 9;

    // Flags
    static final int FLAG_PWR_BUTTON = 1 << 4; // no fixed-feature power button
    static final int FLAG_SLP_BUTTON = 1 << 5; // no fixed-feature sleep button
    static final int FLAG_RESET_REG_SUP = 1 << 10;
    static final int FLAG_HW_REDUCED_ACPI = 1 << 20;

    // IAPC_BOOT_ARCH: LEGACY_DEVICES (bit 0) and 8042 (bit 1) clear: no keyboard controller to probe, so Linux skips
    // the i8042 probe (boot time). kvmj's i8042 resets, and types Ctrl+Alt+Del, which no Linux reads until the
    // DSDT lists the i8042 (PNP0303, IRQ 1).
    static final int BOOT_ARCH_VGA_NOT_PRESENT = 1 << 2;
    static final int BOOT_ARCH_MSI_NOT_SUPPORTED = 1 << 3;
    static final int BOOT_ARCH_CMOS_RTC_NOT_PRESENT = 1 << 5;

    static final int GAS_SYSTEM_IO = 1;
    static final int GAS_ACCESS_BYTE = 1;

    private Fadt() {
    }

    static byte[] build(long dsdtAddress, PowerPorts ports) {
        ByteSink body = new ByteSink().zeros(LENGTH - Sdt.HEADER_SIZE);
        body.setU32(DSDT - Sdt.HEADER_SIZE, dsdtAddress < 0x1_0000_0000L ? dsdtAddress : 0);
        body.setU8(PREFERRED_PM_PROFILE - Sdt.HEADER_SIZE, PM_PROFILE_UNSPECIFIED);
        body.setU16(SCI_INT - Sdt.HEADER_SIZE, SCI_IRQ);
        body.setU16(IAPC_BOOT_ARCH - Sdt.HEADER_SIZE,
                BOOT_ARCH_VGA_NOT_PRESENT | BOOT_ARCH_MSI_NOT_SUPPORTED | BOOT_ARCH_CMOS_RTC_NOT_PRESENT);
        body.setU32(FLAGS - Sdt.HEADER_SIZE,
                FLAG_PWR_BUTTON | FLAG_SLP_BUTTON | FLAG_RESET_REG_SUP | FLAG_HW_REDUCED_ACPI);
        ioRegister(body, RESET_REG, ports.resetPort());
        body.setU8(RESET_VALUE - Sdt.HEADER_SIZE, PowerPorts.RESET_VALUE);
        body.setU8(FADT_MINOR_VERSION - Sdt.HEADER_SIZE, MINOR_REVISION);
        setU64(body, X_DSDT - Sdt.HEADER_SIZE, dsdtAddress);
        ioRegister(body, SLEEP_CONTROL_REG, ports.sleepControlPort());
        ioRegister(body, SLEEP_STATUS_REG, ports.sleepStatusPort());
        byte[] vendor = ByteSink.fixedAscii("KVMJ", 8, '\0');
        for (int i = 0; i < vendor.length; i++) {
            body.setU8(HYPERVISOR_VENDOR_ID - Sdt.HEADER_SIZE + i, vendor[i]);
        }
        return Sdt.table(SIGNATURE, REVISION, body.toArray());
    }

    /** A 12-byte Generic Address Structure for an 8-bit I/O port register, at table offset {@code offset}. */
    private static void ioRegister(ByteSink body, int offset, int port) {
        int at = offset - Sdt.HEADER_SIZE;
        body.setU8(at, GAS_SYSTEM_IO);
        body.setU8(at + 1, 8); // register bit width
        body.setU8(at + 2, 0); // bit offset
        body.setU8(at + 3, GAS_ACCESS_BYTE);
        setU64(body, at + 4, port);
    }

    private static void setU64(ByteSink body, int at, long value) {
        body.setU32(at, value);
        body.setU32(at + 4, value >>> 32);
    }
}
