package io.kvmj.vmm.arch.x86;

/** Forces bits of one MSR at boot, as a Firecracker CPU-template MSR modifier does (mask = bits forced). */
public record MsrModifier(int index, long mask, long value) {
    /** Parses "0b" + 64 characters, MSB first, each 0, 1 or x (keep the vCPU's value). */
    public static MsrModifier fromBitmap(int index, String bitmap) {
        String bits = bitmap.startsWith("0b") ? bitmap.substring(2) : bitmap;
        if (bits.length() != 64) {
            throw new IllegalArgumentException("MSR bitmap must have 64 bits after 0b, got " + bits.length());
        }
        long mask = 0;
        long value = 0;
        for (int i = 0; i < 64; i++) {
            long bit = 1L << (63 - i);
            switch (bits.charAt(i)) {
                case '0' -> mask |= bit;
                case '1' -> {
                    mask |= bit;
                    value |= bit;
                }
                case 'x', 'X' -> {
                }
                default -> throw new IllegalArgumentException("bitmap character '" + bits.charAt(i)
                        + "' is not 0, 1 or x");
            }
        }
        return new MsrModifier(index, mask, value);
    }

    public long applyTo(long current) {
        return (current & ~mask) | (value & mask);
    }
}
