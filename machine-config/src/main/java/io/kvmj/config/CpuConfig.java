package io.kvmj.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Firecracker's custom CPU template (the config file's {@code cpu-config} section), x86_64 part. In a validated
 * config every register name is lower case and every bitmap normalized (see {@link RegisterBitmap},
 * {@link MsrModifierConfig}).
 *
 * @param cpuidModifiers CPUID leaves to modify, in config order; never null (null becomes an empty list)
 * @param msrModifiers MSRs to modify, in config order; never null (null becomes an empty list)
 * @param templateFile a template file to read the modifiers from when the config is validated (Firecracker's
 *                     {@code --config-file} form of {@code cpu-config}), relative paths resolving like
 *                     {@code kernel_image_path}; the lists are then empty. Null in a validated config, which
 *                     holds what the file said.
 */
public record CpuConfig(List<CpuidModifierConfig> cpuidModifiers, List<MsrModifierConfig> msrModifiers,
                        Path templateFile) {
    public CpuConfig {
        cpuidModifiers = cpuidModifiers == null ? List.of() : List.copyOf(cpuidModifiers);
        msrModifiers = msrModifiers == null ? List.of() : List.copyOf(msrModifiers);
    }

    /** A template given in place. */
    public CpuConfig(List<CpuidModifierConfig> cpuidModifiers, List<MsrModifierConfig> msrModifiers) {
        this(cpuidModifiers, msrModifiers, null);
    }

    /** A template to be read from {@code file} (Firecracker's template JSON) when the config is validated. */
    public static CpuConfig fromFile(Path file) {
        return new CpuConfig(List.of(), List.of(), file);
    }
}
