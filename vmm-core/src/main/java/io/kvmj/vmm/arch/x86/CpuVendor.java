package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.CpuidEntry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Whose topology CPUID leaves a CPU has, from the vendor string of CPUID leaf 0 (EBX, EDX, ECX). KVM reports the
 * host's vendor and the guest sees it, so the guest reads the topology leaves of the host's vendor.
 */
public enum CpuVendor {
    /** "GenuineIntel": leaves 4, 0xB and 0x1F. */
    INTEL,
    /**
     * "AuthenticAMD", and "HygonGenuine" (Hygon's CPUs are AMD's Zen, and Linux reads their topology the AMD way):
     * leaves 0x8000_0001 (CmpLegacy, TopoExt), 0x8000_0008, 0x8000_001D, 0x8000_001E, and 0xB where present.
     */
    AMD,
    /** Any other vendor: only the leaves both share (1, 0xB) are set. */
    OTHER;

    public static CpuVendor of(List<CpuidEntry> cpuid) {
        CpuidEntry leaf0 = cpuid.stream().filter(e -> e.function() == 0).findFirst().orElse(null);
        if (leaf0 == null) {
            return OTHER;
        }
        String name = new String(ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(leaf0.ebx()).putInt(leaf0.edx()).putInt(leaf0.ecx()).array(), StandardCharsets.US_ASCII);
        return switch (name) {
            case "GenuineIntel" -> INTEL;
            case "AuthenticAMD", "HygonGenuine" -> AMD;
            default -> OTHER;
        };
    }
}
