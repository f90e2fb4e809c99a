package io.kvmj.vmm.arch.x86.acpi;

import io.kvmj.vmm.arch.x86.BootLayout;
import io.kvmj.vmm.memory.GuestMemory;

/**
 * Writes the ACPI tables of a kvmj microVM into guest memory: RSDP, XSDT, FADT, DSDT and MADT, in that order from
 * the given address upwards, each on a 16-byte boundary.
 *
 * <p>kvmj puts them in the BIOS area: the RSDP at {@link #RSDP_ADDRESS} (0xe0000), where Linux finds it by scanning
 * 0xe0000-0xfffff for "RSD PTR " when the boot protocol does not pass it (PVH passes it as {@code rsdp_paddr}),
 * and the rest after it, below {@link #TABLES_LIMIT} (1 MiB). That range is reserved in kvmj's E820 map, so the
 * guest never reuses it.
 */
public final class AcpiTables {
    /** Where kvmj puts the RSDP: the start of the BIOS read-only area Linux scans. */
    public static final long RSDP_ADDRESS = 0x000e_0000L;
    /** The tables must end below the reset vector's stub, at the top of the BIOS area. */
    public static final long TABLES_LIMIT = BootLayout.RESET_VECTOR;
    static final int ALIGNMENT = 16;

    private AcpiTables() {
    }

    /**
     * Writes the tables from {@code address} (the RSDP's address, 16-byte aligned) and returns that address. Throws
     * {@link IllegalArgumentException} when they would not end by {@link #TABLES_LIMIT}.
     */
    public static long write(GuestMemory memory, long address, AcpiSpec spec) {
        return write(memory, address, TABLES_LIMIT, spec);
    }

    /**
     * Writes the tables in [address, limit) and returns the RSDP's address ({@code address}). Nothing is written when
     * they do not fit ({@link IllegalArgumentException}) or the range is not guest RAM
     * ({@link io.kvmj.vmm.memory.GuestMemoryException}).
     */
    public static long write(GuestMemory memory, long address, long limit, AcpiSpec spec) {
        byte[] image = image(address, spec);
        if (Long.compareUnsigned(address, limit) >= 0 || image.length > limit - address) {
            throw new IllegalArgumentException(String.format(
                    "ACPI tables need 0x%x bytes from 0x%x, past the limit 0x%x", image.length, address, limit));
        }
        memory.write(address, image);
        return address;
    }

    /** The bytes from the RSDP at {@code address} to the end of the last table, gaps zeroed. */
    static byte[] image(long address, AcpiSpec spec) {
        if ((address & (ALIGNMENT - 1)) != 0 || address < 0) {
            throw new IllegalArgumentException("the RSDP must be 16-byte aligned: 0x" + Long.toHexString(address));
        }
        byte[] dsdt = Dsdt.build(spec);
        byte[] madt = Madt.build(spec.vcpuCount());
        long xsdtAt = align(address + Rsdp.LENGTH);
        long fadtAt = align(xsdtAt + Xsdt.size(2));
        long dsdtAt = align(fadtAt + Fadt.LENGTH);
        long madtAt = align(dsdtAt + dsdt.length);
        long end = madtAt + madt.length;
        byte[] xsdt = Xsdt.build(fadtAt, madtAt);
        byte[] fadt = Fadt.build(dsdtAt, spec.ports());
        byte[] rsdp = Rsdp.build(xsdtAt);

        byte[] image = new byte[Math.toIntExact(end - address)];
        place(image, address, address, rsdp);
        place(image, address, xsdtAt, xsdt);
        place(image, address, fadtAt, fadt);
        place(image, address, dsdtAt, dsdt);
        place(image, address, madtAt, madt);
        return image;
    }

    private static void place(byte[] image, long base, long at, byte[] table) {
        System.arraycopy(table, 0, image, (int) (at - base), table.length);
    }

    static long align(long address) {
        return (address + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
