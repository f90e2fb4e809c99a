package io.kvmj.vmm.arch.x86.acpi;

/** The Extended System Description Table: 64-bit pointers to every table but the DSDT (which the FADT points at). */
final class Xsdt {
    static final String SIGNATURE = "XSDT";
    static final int REVISION = 1;

    private Xsdt() {
    }

    static int size(int entries) {
        return Sdt.HEADER_SIZE + 8 * entries;
    }

    static byte[] build(long... tableAddresses) {
        ByteSink body = new ByteSink();
        for (long a : tableAddresses) {
            body.u64(a);
        }
        return Sdt.table(SIGNATURE, REVISION, body.toArray());
    }
}
