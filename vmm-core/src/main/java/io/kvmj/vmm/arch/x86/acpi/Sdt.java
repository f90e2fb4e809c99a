package io.kvmj.vmm.arch.x86.acpi;

/**
 * The 36-byte System Description Table header every ACPI table but the RSDP starts with (ACPI 6.3 section
 * 5.2.6): signature, length, revision, checksum, OEM ids and creator, kvmj's ids throughout.
 */
final class Sdt {
    static final int HEADER_SIZE = 36;
    static final int LENGTH_OFFSET = 4;
    static final int CHECKSUM_OFFSET = 9;
    static final String OEM_ID = "KVMJ  ";
    static final String OEM_TABLE_ID = "KVMJVM  ";
    static final int OEM_REVISION = 1;
    static final String CREATOR_ID = "KVMJ";
    static final int CREATOR_REVISION = 1;

    private Sdt() {
    }

    /** The complete table: header (length and checksum filled in) followed by {@code body}. */
    static byte[] table(String signature, int revision, byte[] body) {
        ByteSink out = new ByteSink()
                .ascii(signature, 4, ' ')
                .u32(HEADER_SIZE + body.length)
                .u8(revision)
                .u8(0) // checksum, below
                .ascii(OEM_ID, 6, ' ')
                .ascii(OEM_TABLE_ID, 8, ' ')
                .u32(OEM_REVISION)
                .ascii(CREATOR_ID, 4, ' ')
                .u32(CREATOR_REVISION)
                .bytes(body);
        byte[] table = out.toArray();
        table[CHECKSUM_OFFSET] = ByteSink.checksum(table, 0, table.length);
        return table;
    }
}
