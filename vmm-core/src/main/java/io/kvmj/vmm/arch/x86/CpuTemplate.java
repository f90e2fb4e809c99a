package io.kvmj.vmm.arch.x86;

import java.util.List;

/** A custom CPU template: CPUID and MSR bits to force on every vCPU (Firecracker's cpu-config). */
public record CpuTemplate(List<CpuidModifier> cpuid, List<MsrModifier> msrs) {
    public static final CpuTemplate NONE = new CpuTemplate(List.of(), List.of());

    public CpuTemplate {
        cpuid = List.copyOf(cpuid);
        msrs = List.copyOf(msrs);
    }
}
