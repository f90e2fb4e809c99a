package io.kvmj.config;

import java.util.List;

/**
 * One {@code cpu-config.cpuid_modifiers} entry: bitmaps to apply to registers of CPUID leaf {@code leaf},
 * subleaf {@code subleaf}.
 *
 * @param leaf 0 to 0xffffffff
 * @param subleaf 0 to 0xffffffff
 * @param flags KVM's {@code kvm_cpuid_entry2.flags}: 0, or {@link #SIGNIFICANT_INDEX} when the subleaf matters
 *              (bits 2 and 4, KVM's deprecated stateful-function flags, are accepted too)
 * @param modifiers in config order; never null (null becomes an empty list)
 */
public record CpuidModifierConfig(long leaf, long subleaf, int flags, List<RegisterBitmap> modifiers) {
    /** {@code KVM_CPUID_FLAG_SIGNIFCANT_INDEX} (sic). */
    public static final int SIGNIFICANT_INDEX = 1;

    public CpuidModifierConfig {
        modifiers = modifiers == null ? List.of() : List.copyOf(modifiers);
    }
}
