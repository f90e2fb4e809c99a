package io.kvmj.config;

import java.util.List;

/**
 * Firecracker's custom CPU template (the config file's {@code cpu-config} section), x86_64 part. In a validated
 * config every register name is lower case and every bitmap normalized (see {@link RegisterBitmap},
 * {@link MsrModifierConfig}).
 *
 * @param cpuidModifiers CPUID leaves to modify, in config order; never null (null becomes an empty list)
 * @param msrModifiers MSRs to modify, in config order; never null (null becomes an empty list)
 */
public record CpuConfig(List<CpuidModifierConfig> cpuidModifiers, List<MsrModifierConfig> msrModifiers) {
    public CpuConfig {
        cpuidModifiers = cpuidModifiers == null ? List.of() : List.copyOf(cpuidModifiers);
        msrModifiers = msrModifiers == null ? List.of() : List.copyOf(msrModifiers);
    }
}
