package io.kvmj.vmm.arch.x86.longmode;

import io.kvmj.kvm.Registers;
import io.kvmj.kvm.Segment;
import io.kvmj.kvm.SpecialRegisters;
import io.kvmj.kvm.SpecialRegisters.Seg;
import io.kvmj.vmm.arch.x86.BootLayout;
import io.kvmj.vmm.memory.GuestMemoryException;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LongModeCpuStateTest {
    private final Arena arena = Arena.ofAuto();
    private final RegionGuestMemory memory = new RegionGuestMemory(List.of(new GuestRegion(0, arena.allocate(2 << 20))));

    @Test
    void identityMapsTheFirst4GiBWith2MiBPages() {
        memory.slice(0x9000, 0x6000).fill((byte) 0x55);
        LongModeCpuState.writeTables(memory);
        assertEquals(0xa000 | 3, memory.readLong(0x9000), "PML4[0] -> PDPT, present + writable");
        for (int i = 1; i < 512; i++) {
            assertEquals(0, memory.readLong(0x9000 + 8L * i), "PML4[" + i + "]");
        }
        for (int d = 0; d < 4; d++) {
            assertEquals((0xb000 + 0x1000L * d) | 3, memory.readLong(0xa000 + 8L * d), "PDPT[" + d + "] -> PD " + d);
        }
        for (int i = 4; i < 512; i++) {
            assertEquals(0, memory.readLong(0xa000 + 8L * i), "PDPT[" + i + "]");
        }
        assertEquals(0x83, memory.readLong(0xb000), "PD0[0] maps 0 with PS");
        assertEquals(0x200083, memory.readLong(0xb008));
        assertEquals(0x3fe00083L, memory.readLong(0xb000 + 8 * 511));
        assertEquals(0x40000083L, memory.readLong(0xc000), "PD1[0] maps 1 GiB");
        assertEquals(0xffe00083L, memory.readLong(0xe000 + 8 * 511), "PD3[511] maps the last 2 MiB below 4 GiB");
        for (int d = 0; d < 4; d++) {
            for (int i = 0; i < 512; i++) {
                long pde = memory.readLong(0xb000 + 0x1000L * d + 8L * i);
                assertEquals(((long) d * 512 + i) << 21, pde & ~0xfffL, "identity");
                assertEquals(0x83, pde & 0xfff, "present, writable, 2 MiB");
            }
        }
        assertEquals(4L << 30, LongModeCpuState.MAPPED_BYTES);
    }

    @Test
    void writesTheBootGdtWithThe64BitSegmentsAtTheProtocolsSelectors() {
        LongModeCpuState.writeTables(memory);
        assertEquals(0, memory.readLong(BootLayout.GDT_ADDRESS));
        assertEquals(0x008f_8b00_0000_ffffL, memory.readLong(BootLayout.GDT_ADDRESS + 0x08), "busy TSS at 0x08");
        assertEquals(0x00af_9b00_0000_ffffL, memory.readLong(BootLayout.GDT_ADDRESS + 0x10),
                "__BOOT_CS 0x10: 64-bit code, flags 0xa09b");
        assertEquals(0x00cf_9300_0000_ffffL, memory.readLong(BootLayout.GDT_ADDRESS + 0x18),
                "__BOOT_DS 0x18: flat data, flags 0xc093");
        assertEquals(0, memory.readLong(BootLayout.IDT_ADDRESS));
    }

    @Test
    void failsWhenTheTablesAreNotInRam() {
        RegionGuestMemory tiny = new RegionGuestMemory(List.of(new GuestRegion(0, arena.allocate(0xa000))));
        assertThrows(GuestMemoryException.class, () -> LongModeCpuState.writeTables(tiny));
    }

    @Test
    void setsRipRsiAndRflags() {
        Registers regs = Registers.allocate(arena).rbx(0x1111).rsp(0x1111).rflags(0x246);
        LongModeCpuState.apply(regs, 0x1000200, 0x1000);
        assertEquals(0x1000200, regs.rip());
        assertEquals(0x1000, regs.rsi());
        assertEquals(2, regs.rflags(), "reserved bit only: interrupts off");
        assertEquals(0, regs.rbx());
        assertEquals(0, regs.rsp(), "the other registers are cleared");
    }

    @Test
    void entersLongModeWithPaging() {
        SpecialRegisters sregs = SpecialRegisters.allocate(arena);
        sregs.cr0(0x60000010L).cr4(0x40).efer(1); // reset CR0 (CD, NW, ET); stale CR4 and EFER
        LongModeCpuState.apply(sregs);
        assertEquals(0x60000010L | 1 | (1L << 31), sregs.cr0(), "PE and PG added to the reset CR0");
        assertEquals(0x9000, sregs.cr3(), "CR3 = PML4");
        assertEquals(0x20, sregs.cr4(), "PAE only");
        assertEquals(0x500, sregs.efer(), "LME | LMA");

        assertEquals(new Segment(0, 0xffffffff, 0x10, 0xb, true, 0, false, true, true, true),
                sregs.segment(Seg.CS), "CS: 64-bit code (L=1, D=0) at __BOOT_CS");
        Segment data = new Segment(0, 0xffffffff, 0x18, 0x3, true, 0, true, true, false, true);
        for (Seg s : new Seg[] {Seg.DS, Seg.ES, Seg.FS, Seg.GS, Seg.SS}) {
            assertEquals(data, sregs.segment(s), s + " at __BOOT_DS");
        }
        assertEquals(new Segment(0, 0xffffffff, 0x08, 0xb, true, 0, false, false, false, true),
                sregs.segment(Seg.TR), "busy TSS");
        assertEquals(BootLayout.GDT_ADDRESS, sregs.gdtBase());
        assertEquals(31, sregs.gdtLimit());
        assertEquals(BootLayout.IDT_ADDRESS, sregs.idtBase());
        assertEquals(7, sregs.idtLimit());
    }
}
