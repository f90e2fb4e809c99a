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
        TemplateBitmap b = TemplateBitmap.parse(bitmap, 32);
        return new CpuidModifier(leaf, subleaf, register, (int) b.mask(), (int) b.value());
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
