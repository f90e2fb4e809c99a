package io.kvmj.vmm.arch.x86;

/** Forces bits of one MSR at boot, as a Firecracker CPU-template MSR modifier does (mask = bits forced). */
public record MsrModifier(int index, long mask, long value) {
    /** Parses "0b" + 64 characters, MSB first, each 0, 1 or x (keep the vCPU's value). */
    public static MsrModifier fromBitmap(int index, String bitmap) {
        TemplateBitmap b = TemplateBitmap.parse(bitmap, 64);
        return new MsrModifier(index, b.mask(), b.value());
    }

    public long applyTo(long current) {
        return (current & ~mask) | (value & mask);
    }
}
