package io.kvmj.vmm.boot;

import io.kvmj.vmm.arch.x86.BootLayout;
import io.kvmj.vmm.arch.x86.longmode.LongModeCpuState;
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

/** The 64-bit boot protocol for an ELF without a PVH note: loading, the zero page it gets, and what it refuses. */
class Linux64ElfLoaderTest {
    private static final long RAM = 16 << 20;

    @TempDir
    Path dir;

    private final RegionGuestMemory memory = new RegionGuestMemory(List.of(new GuestRegion(0, Arena.ofAuto().allocate(RAM))));

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private Path kernel(TestElf elf) throws IOException {
        return write("vmlinux", elf.build());
    }

    @Test
    void anElfWithoutAPvhNoteTakesThe64BitPathAndOneWithItPvh() throws IOException {
        assertEquals(BootPath.LINUX64_ELF, KernelImage.inspect(kernel(TestElf.linux64())).bootPath());
        assertEquals(BootPath.PVH_ELF, KernelImage.inspect(kernel(new TestElf())).bootPath());
        assertEquals(BootPath.PVH_ELF, KernelImage.inspect(kernel(TestElf.elf32())).bootPath(), "ELF32 PVH kernels");
    }

    @Test
    void loadsSegmentsAtPhysicalAddressesAndEntersAtEEntry() throws IOException {
        memory.slice(0x100000, 0x2000).fill((byte) 0x55);
        TestElf elf = TestElf.linux64();
        elf.entry = 0x100010L;
        assertEquals(new LoadedKernel(0x100010, 0x100000, 0x102000), Linux64ElfLoader.load(kernel(elf), memory));
        assertArrayEquals(elf.payload, memory.read(0x100000, 4));
        byte[] bss = memory.read(0x100004, 0x2000 - 4);
        assertTrue(Arrays.equals(bss, new byte[bss.length]), "bss zeroed");
    }

    /** What a kernel entered at e_entry finds: %rsi at a zero page with Firecracker's header fields, long mode. */
    @Test
    void bootsWithAZeroPageAndLongModeEntry() throws IOException {
        Path initrd = write("initrd", new byte[] {1, 2, 3, 4, 5});
        BootEntry boot = GuestLoader.load(memory, KernelImage.inspect(kernel(TestElf.linux64())), initrd,
                "console=ttyS0 root=/dev/vda", 0xe0000);

        assertEquals(new BootEntry.Linux64(0x100000, ZeroPage.ADDRESS), boot);
        long zp = ZeroPage.ADDRESS;
        assertEquals((short) 0xaa55, memory.readShort(zp + 0x1fe), "boot_flag");
        assertEquals(0x53726448, memory.readInt(zp + 0x202), "header \"HdrS\"");
        assertEquals(0, memory.readShort(zp + 0x206), "version: unknown, as in Firecracker (a vmlinux has no header)");
        assertEquals((byte) 0xff, memory.readByte(zp + 0x210), "type_of_loader: undefined");
        assertEquals(ZeroPage.LOADED_HIGH, memory.readByte(zp + 0x211), "loadflags");
        assertEquals(0x1000000, memory.readInt(zp + 0x230), "kernel_alignment");
        assertEquals(2047, memory.readInt(zp + 0x238), "cmdline_size: x86 COMMAND_LINE_SIZE - 1");
        assertEquals(BootLayout.CMDLINE_ADDRESS, memory.readInt(zp + 0x228), "cmd_line_ptr");
        assertEquals("console=ttyS0 root=/dev/vda", memory.slice(BootLayout.CMDLINE_ADDRESS, 64).getString(0));
        assertEquals(0xe0000, memory.readLong(zp + 0x070), "acpi_rsdp_addr");

        long ramdisk = Integer.toUnsignedLong(memory.readInt(zp + 0x218));
        assertEquals(5, memory.readInt(zp + 0x21c), "ramdisk_size");
        assertEquals(RAM - 4096, ramdisk, "initrd page-aligned at the top of low RAM");
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, memory.read(ramdisk, 5));

        assertEquals(3, memory.readByte(zp + 0x1e8), "e820_entries: below 640 KiB, the reserved legacy area, from 1 MiB");
        assertEquals(0x9fc00, memory.readLong(zp + 0x2d0 + 20));
        assertEquals(2, memory.readInt(zp + 0x2d0 + 36), "type reserved");
        assertEquals(0x100000, memory.readLong(zp + 0x2d0 + 40));
        assertEquals(RAM - 0x100000, memory.readLong(zp + 0x2d0 + 48));
        assertEquals(1, memory.readInt(zp + 0x2d0 + 56), "type RAM");

        assertEquals(LongModeCpuState.PDPT_ADDRESS | 3, memory.readLong(LongModeCpuState.PML4_ADDRESS),
                "identity-map page tables written");
    }

    @Test
    void refusesASegmentOutsideRamOrBelowOneMiB() throws IOException {
        TestElf high = TestElf.linux64();
        high.loadAddress = RAM - 0x1000;
        high.entry = high.loadAddress;
        assertEquals("segment at 0xfff000 (0x2000 bytes) does not fit in guest RAM", failure(high));
        TestElf low = TestElf.linux64();
        low.loadAddress = 0x8000;
        low.entry = low.loadAddress;
        assertEquals("segment at 0x8000 lies below 1 MiB, where boot data lives", failure(low));
    }

    @Test
    void refusesAnElfWithoutLoadableSegments() throws IOException {
        TestElf elf = TestElf.linux64();
        elf.memSize = 0;
        elf.payload = new byte[0];
        Path p = kernel(elf);
        assertEquals(p + ": no loadable segments",
                assertThrows(BootException.class, () -> KernelImage.inspect(p)).getMessage(), "refused before KVM");
        assertEquals("no loadable segments", failure(elf));
    }

    @Test
    void refusesAnEntryOutsideTheSegmentsAndAnElf32WithoutPvhNote() throws IOException {
        TestElf virtual = TestElf.linux64();
        virtual.entry = 0xffffffff81000000L;
        assertEquals("entry point 0xffffffff81000000 (e_entry) lies in no loadable segment's physical range",
                failure(virtual));
        TestElf past = TestElf.linux64();
        past.entry = past.loadAddress + past.memSize;
        assertTrue(failure(past).contains("lies in no loadable segment"), failure(past));

        TestElf elf32 = TestElf.elf32();
        elf32.pvhEntry = null;
        elf32.entry = elf32.loadAddress;
        assertEquals(BootPath.LINUX64_ELF, KernelImage.inspect(kernel(elf32)).bootPath());
        assertTrue(failure(elf32).startsWith("ELF32 kernel without a PVH entry note"), failure(elf32));
    }

    @Test
    void refusesACommandLineLongerThanLinuxTakes() throws IOException {
        KernelImage k = KernelImage.inspect(kernel(TestElf.linux64()));
        k.checkCmdline("x".repeat(2047));
        String message = assertThrows(BootException.class, () -> k.checkCmdline("x".repeat(3000))).getMessage();
        assertEquals("kernel command line too long: 3000 bytes, the kernel takes at most 2047 (x86 COMMAND_LINE_SIZE)",
                message);
        assertEquals(message, assertThrows(BootException.class,
                () -> GuestLoader.load(memory, k, null, "x".repeat(3000), 0)).getMessage());
        assertEquals(0, memory.readByte(0x100000), "nothing loaded");
    }

    /** The message without the file name every loader error starts with. */
    private String failure(TestElf elf) throws IOException {
        Path p = kernel(elf);
        String m = assertThrows(BootException.class, () -> Linux64ElfLoader.load(p, memory)).getMessage();
        assertTrue(m.startsWith(p + ": "), m);
        return m.substring(p.toString().length() + 2);
    }
}
