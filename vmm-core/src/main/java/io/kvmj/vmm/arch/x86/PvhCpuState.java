package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.Registers;
import io.kvmj.kvm.SpecialRegisters;
import io.kvmj.kvm.SpecialRegisters.Seg;
import io.kvmj.vmm.memory.GuestMemory;

/**
 * The boot CPU's state the PVH ABI promises: 32-bit protected mode, paging off, flat 4 GiB CS/DS/ES/SS,
 * %ebx = address of hvm_start_info, %eip = the kernel's PHYS32 entry.
 */
public final class PvhCpuState {
    static final int CODE_SELECTOR = 0x08;
    static final int DATA_SELECTOR = 0x10;
    static final int TSS_SELECTOR = 0x18;
    private static final long CR0_PE = 1;
    private static final long CR0_ET = 1 << 4;
    private static final long RFLAGS_RESERVED = 1 << 1;

    private PvhCpuState() {
    }

    /** Writes the boot GDT (null, code, data, TSS) to guest memory; the guest may keep using it until it loads its own. */
    public static void writeGdt(GuestMemory memory) {
        long[] gdt = {0, GdtEntry.CODE32.encode(), GdtEntry.DATA.encode(), GdtEntry.TSS.encode()};
        for (int i = 0; i < gdt.length; i++) {
            memory.writeLong(BootLayout.GDT_ADDRESS + 8L * i, gdt[i]);
        }
        memory.writeLong(BootLayout.IDT_ADDRESS, 0);
    }

    public static void apply(Registers regs, long entry, long startInfo) {
        regs.clear().rip(entry).rbx(startInfo).rflags(RFLAGS_RESERVED);
    }

    public static void apply(SpecialRegisters sregs) {
        sregs.segment(Seg.CS, GdtEntry.CODE32.toSegment(CODE_SELECTOR));
        for (Seg s : new Seg[] {Seg.DS, Seg.ES, Seg.FS, Seg.GS, Seg.SS}) {
            sregs.segment(s, GdtEntry.DATA.toSegment(DATA_SELECTOR));
        }
        sregs.segment(Seg.TR, GdtEntry.TSS.toSegment(TSS_SELECTOR));
        sregs.gdt(BootLayout.GDT_ADDRESS, 4 * 8 - 1);
        sregs.idt(BootLayout.IDT_ADDRESS, 7);
        sregs.cr0((sregs.cr0() | CR0_PE | CR0_ET) & ~(1L << 31)).cr3(0).cr4(0).efer(0);
    }
}
