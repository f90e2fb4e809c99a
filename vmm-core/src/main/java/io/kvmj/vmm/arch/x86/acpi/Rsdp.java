package io.kvmj.vmm.arch.x86.acpi;

/**
 * The Root System Description Pointer, ACPI 2.0+ form (36 bytes, ACPI 6.3 section 5.2.5.3): "RSD PTR ", the
 * checksum of its first 20 bytes, OEM id, revision 2, no RSDT, length, the XSDT address and the extended checksum
 * of all 36 bytes. Must sit on a 16-byte boundary for OSes that scan memory for it.
 */
final class Rsdp {
    static final String SIGNATURE = "RSD PTR ";
    static final int REVISION = 2;
    static final int LENGTH = 36;
    static final int V1_LENGTH = 20;
    static final int CHECKSUM_OFFSET = 8;
    static final int EXTENDED_CHECKSUM_OFFSET = 32;
    static final int XSDT_ADDRESS_OFFSET = 24;

    private Rsdp() {
    }

    static byte[] build(long xsdtAddress) {
        byte[] rsdp = new ByteSink()
                .ascii(SIGNATURE, 8, ' ')
                .u8(0) // checksum, below
                .ascii(Sdt.OEM_ID, 6, ' ')
                .u8(REVISION)
                .u32(0) // RsdtAddress: none, ACPI 2.0+ OSes use the XSDT
                .u32(LENGTH)
                .u64(xsdtAddress)
                .u8(0) // extended checksum, below
                .zeros(3)
                .toArray();
        rsdp[CHECKSUM_OFFSET] = ByteSink.checksum(rsdp, 0, V1_LENGTH);
        rsdp[EXTENDED_CHECKSUM_OFFSET] = ByteSink.checksum(rsdp, 0, LENGTH);
        return rsdp;
    }
}
