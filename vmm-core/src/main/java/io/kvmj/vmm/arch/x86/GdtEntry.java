package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.Segment;

/** An x86 segment descriptor: encodes to its 8-byte GDT form and to the hidden segment state KVM takes. */
public record GdtEntry(long base, int limit, int flags) {
    /** Flat 4 GiB 32-bit code (execute/read, accessed), granularity 4 KiB. */
    public static final GdtEntry CODE32 = new GdtEntry(0, 0xfffff, 0xc09b);
    /** Flat 4 GiB data (read/write, accessed). */
    public static final GdtEntry DATA = new GdtEntry(0, 0xfffff, 0xc093);
    /**
     * A busy TSS spanning 4 GiB, as Firecracker sets it (QEMU's reset TR has limit 0xffff). The large limit
     * matters: guests that run port I/O at CPL3 before loading their own TSS pass the I/O-bitmap check only
     * when the bitmap offset lies inside the limit.
     */
    public static final GdtEntry TSS = new GdtEntry(0, 0xfffff, 0x808b);

    public long encode() {
        return ((base & 0xff000000L) << 32) | ((flags & 0xf0ffL) << 40) | (((long) limit & 0xf0000) << 32)
                | ((base & 0x00ffffffL) << 16) | (limit & 0xffffL);
    }

    public Segment toSegment(int selector) {
        boolean granular = ((flags >> 15) & 1) != 0;
        int byteLimit = granular ? (limit << 12) | 0xfff : limit;
        return new Segment(base, byteLimit, selector, flags & 0xf, ((flags >> 7) & 1) != 0, (flags >> 5) & 3,
                ((flags >> 14) & 1) != 0, ((flags >> 4) & 1) != 0, ((flags >> 13) & 1) != 0, granular);
    }
}
