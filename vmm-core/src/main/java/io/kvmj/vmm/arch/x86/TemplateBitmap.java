package io.kvmj.vmm.arch.x86;

/**
 * A CPU-template bitmap as Firecracker writes it: "0b" then one character per bit, most significant first,
 * each 0 or 1 (force the bit) or x (keep the host's value). {@code mask} has the forced bits set.
 */
record TemplateBitmap(long mask, long value) {
    static TemplateBitmap parse(String bitmap, int width) {
        String bits = bitmap.startsWith("0b") ? bitmap.substring(2) : bitmap;
        if (bits.length() != width) {
            throw new IllegalArgumentException("bitmap must have " + width + " bits after 0b, got " + bits.length());
        }
        long mask = 0;
        long value = 0;
        for (int i = 0; i < width; i++) {
            long bit = 1L << (width - 1 - i);
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
        return new TemplateBitmap(mask, value);
    }
}
