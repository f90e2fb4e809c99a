package io.kvmj.vmm.devices.legacy;

import io.kvmj.vmm.arch.x86.BootLayout;
import io.kvmj.vmm.memory.GuestMemory;

/**
 * The few bytes of "firmware" at the real-mode reset vector, F000:FFF0 (guest-physical 0xFFFF0). Linux, on a
 * hardware-reduced ACPI machine without EFI (ours), restarts by switching back to real mode and jumping there
 * (reboot.c: BOOT_EFI falls through to BOOT_BIOS, {@code machine_real_restart}), as on a PC with a BIOS; this
 * is the path of {@code reboot} and of a panic with {@code panic=N} unless the command line picks another.
 * kvmj has no BIOS, so the stub asks for a reset the VMM sees: a hard reset through the reset control register
 * ({@link ResetControl}, port 0xCF9), then halts.
 */
public final class ResetVector {
    /** Guest-physical address of the reset vector: CS base 0xF0000 plus IP 0xFFF0. */
    public static final long ADDRESS = BootLayout.RESET_VECTOR;
    /** 16-bit code: mov dx, 0xcf9; mov al, 0x06; out dx, al; cli; hlt; jmp short back to the hlt. */
    static final byte[] STUB = {
        (byte) 0xba, (byte) ResetControl.PORT, (byte) (ResetControl.PORT >> 8),
        (byte) 0xb0, ResetControl.HARD_RESET,
        (byte) 0xee,
        (byte) 0xfa,
        (byte) 0xf4,
        (byte) 0xeb, (byte) 0xfd,
    };

    private ResetVector() {
    }

    /**
     * Writes the stub; it lies between conventional RAM and 1 MiB, which the e820 map keeps from the guest, above
     * the ACPI tables ({@code AcpiTables.TABLES_LIMIT}).
     */
    public static void write(GuestMemory memory) {
        memory.write(ADDRESS, STUB);
    }
}
