package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.CpuidEntry;

/**
 * Forces bits of one CPUID register, as a Firecracker CPU-template modifier does: bits set in {@code mask}
 * take their value from {@code value}, the others pass through from the host.
 */
public record CpuidModifier(int leaf, int subleaf, Register register, int mask, int value) {
    public enum Register { EAX, EBX, ECX, EDX }

    /** Parses a Firecracker bitmap string: "0b" then 32 characters, MSB first, each 0, 1 or x (keep). */
    public static CpuidModifier fromBitmap(int leaf, int subleaf, Register register, String bitmap) {
        String bits = bitmap.startsWith("0b") ? bitmap.substring(2) : bitmap;
        if (bits.length() != 32) {
            throw new IllegalArgumentException("bitmap must have 32 bits after 0b, got " + bits.length());
        }
        int mask = 0;
        int value = 0;
        for (int i = 0; i < 32; i++) {
            char c = bits.charAt(i);
            int bit = 1 << (31 - i);
            switch (c) {
                case '0' -> mask |= bit;
                case '1' -> {
                    mask |= bit;
                    value |= bit;
                }
                case 'x', 'X' -> {
                }
                default -> throw new IllegalArgumentException("bitmap character '" + c + "' is not 0, 1 or x");
            }
        }
        return new CpuidModifier(leaf, subleaf, register, mask, value);
    }

    /** A modifier that clears the given bits. */
    public static CpuidModifier clear(int leaf, int subleaf, Register register, int bits) {
        return new CpuidModifier(leaf, subleaf, register, bits, 0);
    }

    public boolean appliesTo(CpuidEntry e) {
        boolean indexed = (e.flags() & CpuidEntry.FLAG_SIGNIFICANT_INDEX) != 0;
        return e.function() == leaf && (!indexed || e.index() == subleaf);
    }

    public CpuidEntry applyTo(CpuidEntry e) {
        int eax = e.eax();
        int ebx = e.ebx();
        int ecx = e.ecx();
        int edx = e.edx();
        switch (register) {
            case EAX -> eax = (eax & ~mask) | (value & mask);
            case EBX -> ebx = (ebx & ~mask) | (value & mask);
            case ECX -> ecx = (ecx & ~mask) | (value & mask);
            case EDX -> edx = (edx & ~mask) | (value & mask);
        }
        return e.withRegisters(eax, ebx, ecx, edx);
    }
}
