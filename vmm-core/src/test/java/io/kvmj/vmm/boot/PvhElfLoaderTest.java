package io.kvmj.vmm.boot;

import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PvhElfLoaderTest {
    @TempDir
    Path dir;

    private final RegionGuestMemory memory =
            new RegionGuestMemory(List.of(new GuestRegion(0, Arena.ofAuto().allocate(4 << 20))));

    private Path write(byte[] bytes) throws IOException {
        return Files.write(dir.resolve("kernel"), bytes);
    }

    @Test
    void loadsSegmentAtPhysicalAddressAndZeroesBss() throws IOException {
        memory.slice(0x100000, 0x2000).fill((byte) 0x55);
        TestElf elf = new TestElf();
        LoadedKernel k = PvhElfLoader.load(write(elf.build()), memory);
        assertEquals(new LoadedKernel(0x100000, 0x100000, 0x102000), k);
        assertArrayEquals(elf.payload, memory.read(0x100000, 4));
        byte[] bss = memory.read(0x100004, 0x2000 - 4);
        assertTrue(Arrays.equals(bss, new byte[bss.length]), "bss zeroed");
    }

    @Test
    void acceptsAnEightBytePvhNote() throws IOException {
        TestElf elf = new TestElf();
        elf.pvhEntryBytes = 8;
        elf.pvhEntry = 0x100010L;
        assertEquals(0x100010, PvhElfLoader.load(write(elf.build()), memory).entry());
    }

    /** A PVH kernel linked as ELF32 (its entry code is 32-bit), as QEMU boots it. */
    @Test
    void loadsAnElf32PvhKernel() throws IOException {
        memory.slice(0x100000, 0x2000).fill((byte) 0x55);
        TestElf elf = TestElf.elf32();
        elf.pvhEntry = 0x100002L;
        assertEquals(new LoadedKernel(0x100002, 0x100000, 0x102000), PvhElfLoader.load(write(elf.build()), memory));
        assertArrayEquals(elf.payload, memory.read(0x100000, 4));
        byte[] bss = memory.read(0x100004, 0x2000 - 4);
        assertTrue(Arrays.equals(bss, new byte[bss.length]), "bss zeroed");
    }

    @Test
    void rejectsAnElf32ThatIsNotI386AndATruncatedOne() throws IOException {
        TestElf arm = TestElf.elf32();
        arm.machine = 40; // 32-bit ARM
        assertTrue(failure(arm).contains("not i386 (3)"), failure(arm));
        byte[] good = TestElf.elf32().build();
        for (int length : new int[] {40, 60, good.length - 2}) {
            Path p = write(Arrays.copyOf(good, length));
            assertThrows(BootException.class, () -> PvhElfLoader.load(p, memory), "truncated at " + length);
        }
        byte[] badClass = TestElf.elf32().build();
        badClass[4] = 3;
        assertTrue(assertThrows(BootException.class, () -> PvhElfLoader.load(write(badClass), memory)).getMessage()
                .contains("unknown ELF class 3"));
    }

    private String failure(TestElf elf) throws IOException {
        Path p = write(elf.build());
        return assertThrows(BootException.class, () -> PvhElfLoader.load(p, memory)).getMessage();
    }

    @Test
    void rejectsFilesThatAreNotElf() throws IOException {
        Path p = write("#!/bin/sh\necho not a kernel\n".repeat(4).getBytes());
        String msg = assertThrows(BootException.class, () -> PvhElfLoader.load(p, memory)).getMessage();
        assertTrue(msg.contains("not an ELF file") && msg.startsWith(p.toString()), msg);
        Path empty = write(new byte[0]);
        assertThrows(BootException.class, () -> PvhElfLoader.load(empty, memory));
    }

    @Test
    void rejectsKernelsWithoutPvhNote() throws IOException {
        TestElf elf = new TestElf();
        elf.pvhEntry = null;
        assertTrue(failure(elf).contains("XEN_ELFNOTE_PHYS32_ENTRY"));
    }

    @Test
    void rejectsOtherMachines() throws IOException {
        TestElf elf = new TestElf();
        elf.machine = 183; // aarch64
        assertTrue(failure(elf).contains("not x86_64"));
    }

    @Test
    void rejectsSegmentsOutsideGuestRam() throws IOException {
        TestElf elf = new TestElf();
        elf.loadAddress = 0x3ff000;
        assertTrue(failure(elf).contains("does not fit in guest RAM"));
        elf.loadAddress = 0x1000;
        assertTrue(failure(elf).contains("below 1 MiB"));
    }

    @Test
    void rejectsEntryOutsideRam() throws IOException {
        TestElf elf = new TestElf();
        elf.pvhEntry = 0x80000000L;
        assertTrue(failure(elf).contains("outside guest RAM"));
    }

    @Test
    void rejectsTruncatedFiles() throws IOException {
        byte[] good = new TestElf().build();
        Path p = write(Arrays.copyOf(good, good.length - 2));
        assertTrue(assertThrows(BootException.class, () -> PvhElfLoader.load(p, memory)).getMessage()
                .contains("outside the file"));
    }

    @Test
    void missingFileIsABootExceptionNotACrash() {
        Path missing = dir.resolve("nope");
        assertTrue(assertThrows(BootException.class, () -> PvhElfLoader.load(missing, memory)).getMessage()
                .contains("cannot read kernel"));
    }
}
