package io.kvmj.vmm.arch.x86.longmode;

import io.kvmj.kvm.Registers;
import io.kvmj.kvm.SpecialRegisters;
import io.kvmj.kvm.SpecialRegisters.Seg;
import io.kvmj.vmm.arch.x86.BootLayout;
import io.kvmj.vmm.arch.x86.GdtEntry;
import io.kvmj.vmm.memory.GuestMemory;

/**
 * The boot CPU's state for Linux's 64-bit boot protocol (Documentation/arch/x86/boot.rst): long mode with paging,
 * an identity map covering the kernel, zero page and command line, flat CS = __BOOT_CS (0x10, 64-bit code) and
 * DS = ES = SS = __BOOT_DS (0x18), interrupts off, %rsi = address of struct boot_params, %rip = the 64-bit entry.
 *
 * <p>The identity map covers the first 4 GiB with 2 MiB pages (PML4, one PDPT, four page directories: six pages).
 * Firecracker maps 1 GiB; 4 GiB also covers a kernel, initrd or zero page anywhere in low RAM, whatever the guest
 * size. 1 GiB pages would need fewer tables but not every CPU has them. The kernel replaces these tables early.
 *
 * <p>The GDT, at {@link BootLayout#GDT_ADDRESS} as on the PVH path and as small (four entries, up to the IDT), puts
 * the code and data descriptors at the selectors the protocol names, and the busy TSS KVM needs in TR at index 1
 * (selector 0x08). TR is loaded through its hidden state only; the kernel loads its own GDT and TSS.
 */
public final class LongModeCpuState {
    /** Page-map level 4; 0x9000-0xefff are free below the command line on the bzImage path. */
    public static final long PML4_ADDRESS = 0x9000;
    public static final long PDPT_ADDRESS = 0xa000;
    /** First of four page directories, 0xb000-0xefff, each mapping 1 GiB. */
    public static final long PD_ADDRESS = 0xb000;
    public static final int PD_COUNT = 4;
    /** Bytes identity-mapped from address 0. */
    public static final long MAPPED_BYTES = (long) PD_COUNT << 30;

    static final int TSS_SELECTOR = 0x08;
    static final int CODE_SELECTOR = 0x10;
    static final int DATA_SELECTOR = 0x18;
    /** Flat 64-bit code: L set, D clear, granularity 4 KiB, execute/read, accessed. */
    static final GdtEntry CODE64 = new GdtEntry(0, 0xfffff, 0xa09b);
    static final int GDT_ENTRIES = 4;

    static final long PAGE_PRESENT = 1;
    static final long PAGE_WRITABLE = 1 << 1;
    static final long PAGE_SIZE_2M = 1 << 7;
    private static final int PAGE = 4096;
    private static final long TWO_MIB = 1 << 21;

    static final long CR0_PE = 1;
    static final long CR0_ET = 1 << 4;
    static final long CR0_PG = 1L << 31;
    static final long CR4_PAE = 1 << 5;
    static final long EFER_LME = 1 << 8;
    static final long EFER_LMA = 1 << 10;
    private static final long RFLAGS_RESERVED = 1 << 1;

    private LongModeCpuState() {
    }

    /** Writes the identity-mapping page tables, the boot GDT and an empty IDT to guest memory. */
    public static void writeTables(GuestMemory memory) {
        memory.slice(PML4_ADDRESS, PAGE).fill((byte) 0);
        memory.slice(PDPT_ADDRESS, PAGE).fill((byte) 0);
        memory.writeLong(PML4_ADDRESS, PDPT_ADDRESS | PAGE_PRESENT | PAGE_WRITABLE);
        for (int d = 0; d < PD_COUNT; d++) {
            long pd = PD_ADDRESS + (long) d * PAGE;
            memory.writeLong(PDPT_ADDRESS + 8L * d, pd | PAGE_PRESENT | PAGE_WRITABLE);
            for (int i = 0; i < 512; i++) {
                long physical = ((long) d * 512 + i) * TWO_MIB;
                memory.writeLong(pd + 8L * i, physical | PAGE_PRESENT | PAGE_WRITABLE | PAGE_SIZE_2M);
            }
        }
        long[] gdt = new long[GDT_ENTRIES];
        gdt[TSS_SELECTOR >> 3] = GdtEntry.TSS.encode();
        gdt[CODE_SELECTOR >> 3] = CODE64.encode();
        gdt[DATA_SELECTOR >> 3] = GdtEntry.DATA.encode();
        for (int i = 0; i < gdt.length; i++) {
            memory.writeLong(BootLayout.GDT_ADDRESS + 8L * i, gdt[i]);
        }
        memory.writeLong(BootLayout.IDT_ADDRESS, 0);
    }

    /** %rip = the 64-bit entry, %rsi = the zero page, every other register 0, interrupts off. */
    public static void apply(Registers regs, long entry, long zeroPage) {
        regs.clear().rip(entry).rsi(zeroPage).rflags(RFLAGS_RESERVED);
    }

    public static void apply(SpecialRegisters sregs) {
        sregs.segment(Seg.CS, CODE64.toSegment(CODE_SELECTOR));
        for (Seg s : new Seg[] {Seg.DS, Seg.ES, Seg.FS, Seg.GS, Seg.SS}) {
            sregs.segment(s, GdtEntry.DATA.toSegment(DATA_SELECTOR));
        }
        sregs.segment(Seg.TR, GdtEntry.TSS.toSegment(TSS_SELECTOR));
        sregs.gdt(BootLayout.GDT_ADDRESS, GDT_ENTRIES * 8 - 1);
        sregs.idt(BootLayout.IDT_ADDRESS, 7);
        sregs.cr0(sregs.cr0() | CR0_PE | CR0_ET | CR0_PG).cr3(PML4_ADDRESS).cr4(CR4_PAE).efer(EFER_LME | EFER_LMA);
    }
}
