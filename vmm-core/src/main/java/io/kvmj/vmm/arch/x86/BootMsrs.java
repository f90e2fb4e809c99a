package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.MsrEntry;

import java.util.List;

/** The MSR values every vCPU starts with: syscall MSRs cleared, fast string operations on (as firmware leaves them). */
public final class BootMsrs {
    static final int IA32_SYSENTER_CS = 0x174;
    static final int IA32_SYSENTER_ESP = 0x175;
    static final int IA32_SYSENTER_EIP = 0x176;
    static final int IA32_TSC = 0x10;
    static final int IA32_MISC_ENABLE = 0x1a0;
    static final int MSR_STAR = 0xc0000081;
    static final int MSR_LSTAR = 0xc0000082;
    static final int MSR_CSTAR = 0xc0000083;
    static final int MSR_SYSCALL_MASK = 0xc0000084;
    static final int MSR_KERNEL_GS_BASE = 0xc0000102;
    static final long MISC_ENABLE_FAST_STRING = 1;

    private BootMsrs() {
    }

    public static List<MsrEntry> entries() {
        return List.of(new MsrEntry(IA32_SYSENTER_CS, 0), new MsrEntry(IA32_SYSENTER_ESP, 0),
                new MsrEntry(IA32_SYSENTER_EIP, 0), new MsrEntry(MSR_STAR, 0), new MsrEntry(MSR_CSTAR, 0),
                new MsrEntry(MSR_KERNEL_GS_BASE, 0), new MsrEntry(MSR_SYSCALL_MASK, 0),
                new MsrEntry(MSR_LSTAR, 0), new MsrEntry(IA32_TSC, 0),
                new MsrEntry(IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING));
    }
}
