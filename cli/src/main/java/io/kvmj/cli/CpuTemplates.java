package io.kvmj.cli;

import io.kvmj.config.CpuConfig;
import io.kvmj.config.CpuidModifierConfig;
import io.kvmj.config.MsrModifierConfig;
import io.kvmj.config.RegisterBitmap;
import io.kvmj.vmm.arch.x86.CpuTemplate;
import io.kvmj.vmm.arch.x86.CpuidModifier;
import io.kvmj.vmm.arch.x86.MsrModifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Maps a config's Firecracker-style cpu-config (already validated) to the VMM's {@link CpuTemplate}. */
final class CpuTemplates {
    private CpuTemplates() {
    }

    static CpuTemplate of(CpuConfig config) {
        if (config == null) {
            return CpuTemplate.NONE;
        }
        List<CpuidModifier> cpuid = new ArrayList<>();
        for (CpuidModifierConfig leaf : config.cpuidModifiers()) {
            for (RegisterBitmap r : leaf.modifiers()) {
                cpuid.add(CpuidModifier.fromBitmap((int) leaf.leaf(), (int) leaf.subleaf(),
                        CpuidModifier.Register.valueOf(r.register().toUpperCase(Locale.ROOT)), r.bitmap()));
            }
        }
        List<MsrModifier> msrs = new ArrayList<>();
        for (MsrModifierConfig m : config.msrModifiers()) {
            msrs.add(MsrModifier.fromBitmap((int) m.addr(), m.bitmap()));
        }
        return new CpuTemplate(cpuid, msrs);
    }
}
