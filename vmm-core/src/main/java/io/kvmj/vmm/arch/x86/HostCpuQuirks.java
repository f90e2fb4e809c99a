package io.kvmj.vmm.arch.x86;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU features to hide because this host's KVM cannot run them for the guest. On PVM hosts (KVM as the
 * kvm_pvm module, guest CPL0 emulated) the instruction emulator fails on cmpxchg16b and xsave/xrstor.
 * Hiding CX16 works (measured: Debian's kernel then gets past SLUB setup). XSAVE is cleared too, but this
 * PVM still shows it to the guest (as it does under QEMU with -xsave), so Linux guests there also need the
 * {@code noxsave} kernel parameter. Hardware-virtualized hosts hide nothing.
 */
public final class HostCpuQuirks {
    static final int LEAF1_ECX_CX16 = 1 << 13;
    static final int LEAF1_ECX_XSAVE = 1 << 26;
    static final int LEAF1_ECX_OSXSAVE = 1 << 27;
    /** AVX needs XSAVE-managed state: advertising it without XSAVE would mislead guests. */
    static final int LEAF1_ECX_AVX = 1 << 28;
    static final Path PVM_MODULE = Path.of("/sys/module/kvm_pvm");

    private HostCpuQuirks() {
    }

    public static List<CpuidModifier> forThisHost() {
        return Files.isDirectory(PVM_MODULE) ? pvm() : List.of();
    }

    static List<CpuidModifier> pvm() {
        return List.of(CpuidModifier.clear(1, 0, CpuidModifier.Register.ECX,
                LEAF1_ECX_CX16 | LEAF1_ECX_XSAVE | LEAF1_ECX_OSXSAVE | LEAF1_ECX_AVX));
    }
}
