package io.kvmj.vmm.boot.bzimage;

import io.kvmj.vmm.arch.x86.BootLayout;
import io.kvmj.vmm.arch.x86.E820Map;
import io.kvmj.vmm.boot.BootException;
import io.kvmj.vmm.boot.PvhStartInfo;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ZeroPageTest {
    private final Arena arena = Arena.ofAuto();
    private final RegionGuestMemory memory = new RegionGuestMemory(List.of(
            new GuestRegion(0, arena.allocate(8 << 20)), new GuestRegion(1L << 32, arena.allocate(1 << 20))));
    private final TestBzImage t = new TestBzImage();
    private final List<E820Map.Entry> e820 = E820Map.of(memory.regions());

    @Test
    void writesHeaderLoaderCmdlineAndMemoryMap() {
        memory.slice(ZeroPage.ADDRESS, ZeroPage.SIZE).fill((byte) 0x55); // stale data must not survive
        byte[] file = t.build();
        long zp = ZeroPage.write(memory, BzImage.parse("k", file), "console=ttyS0", null, e820, 0);
        assertEquals(ZeroPage.ADDRESS, zp);

        ByteBuffer header = ByteBuffer.wrap(Arrays.copyOfRange(file, 0x1f1, 0x26c)).order(ByteOrder.LITTLE_ENDIAN);
        header.put(0x210 - 0x1f1, (byte) 0xff).putInt(0x228 - 0x1f1, (int) BootLayout.CMDLINE_ADDRESS);
        assertArrayEquals(header.array(), memory.read(zp + 0x1f1, 0x26c - 0x1f1),
                "setup header copied to 0x1f1, with type_of_loader and cmd_line_ptr written");
        assertEquals(0, memory.readByte(zp + 0x1ef), "sentinel stays 0: only the header is copied");
        assertEquals(0, memory.readByte(zp + 0x26c), "nothing past the header end");
        assertEquals(0x53726448, memory.readInt(zp + 0x202));
        assertEquals((byte) 0xff, memory.readByte(zp + 0x210), "type_of_loader");
        assertEquals(BzImage.LOADED_HIGH, memory.readByte(zp + 0x211), "loadflags: LOADED_HIGH, no CAN_USE_HEAP");
        assertEquals(0, memory.readShort(zp + 0x224), "heap_end_ptr");

        assertEquals(BootLayout.CMDLINE_ADDRESS, memory.readInt(zp + 0x228), "cmd_line_ptr");
        assertEquals(0, memory.readInt(zp + 0x0c8), "ext_cmd_line_ptr");
        assertEquals("console=ttyS0", memory.slice(BootLayout.CMDLINE_ADDRESS, 64).getString(0));
        assertEquals(0x7ff, memory.readInt(zp + 0x238), "cmdline_size as the kernel says");

        assertEquals(0, memory.readInt(zp + 0x218), "no ramdisk_image without an initrd");
        assertEquals(0, memory.readInt(zp + 0x21c));
        assertEquals(0, memory.readLong(zp + 0x070), "no acpi_rsdp_addr unless given");

        assertEquals(4, memory.readByte(zp + 0x1e8), "e820_entries");
        long[][] expected = {{0, 0x9fc00, 1}, {0x9fc00, 0x100000 - 0x9fc00, 2}, {0x100000, (8 << 20) - 0x100000, 1},
            {1L << 32, 1 << 20, 1}};
        for (int i = 0; i < expected.length; i++) {
            long entry = zp + 0x2d0 + 20L * i;
            assertEquals(expected[i][0], memory.readLong(entry), "entry " + i + " address");
            assertEquals(expected[i][1], memory.readLong(entry + 8), "entry " + i + " size");
            assertEquals(expected[i][2], memory.readInt(entry + 16), "entry " + i + " type");
        }
        assertEquals(0, memory.readLong(zp + 0x2d0 + 80));
    }

    @Test
    void writesRamdiskAndRsdpFields() {
        long zp = ZeroPage.write(memory, BzImage.parse("k", t.build()), "", new PvhStartInfo.Module(0x7f0000, 0x12345),
                e820, 0xe0000);
        assertEquals(0x7f0000, memory.readInt(zp + 0x218), "ramdisk_image");
        assertEquals(0x12345, memory.readInt(zp + 0x21c), "ramdisk_size");
        assertEquals(0, memory.readInt(zp + 0x0c0), "ext_ramdisk_image");
        assertEquals(0, memory.readInt(zp + 0x0c4), "ext_ramdisk_size");
        assertEquals(0xe0000, memory.readLong(zp + 0x070), "acpi_rsdp_addr");
        assertEquals(0, memory.readByte(BootLayout.CMDLINE_ADDRESS), "empty command line");
    }

    @Test
    void splitsAddressesAbove4GiBIntoExtFields() {
        long zp = ZeroPage.write(memory, BzImage.parse("k", t.build()), "x",
                new PvhStartInfo.Module(0x1_2345_6000L, 0x1_0000_0010L), e820, 0);
        assertEquals(0x23456000, memory.readInt(zp + 0x218));
        assertEquals(1, memory.readInt(zp + 0x0c0));
        assertEquals(0x10, memory.readInt(zp + 0x21c));
        assertEquals(1, memory.readInt(zp + 0x0c4));
    }

    @Test
    void respectsTheKernelsCmdlineSize() {
        t.cmdlineSize = 10;
        BzImage image = BzImage.parse("k", t.build());
        ZeroPage.write(memory, image, "0123456789", null, e820, 0);
        assertEquals("k: kernel command line is 11 bytes; this kernel accepts at most 10 (cmdline_size)",
                assertThrows(BootException.class, () -> ZeroPage.write(memory, image, "0123456789a", null, e820, 0))
                        .getMessage());
        t.cmdlineSize = 0x10000;
        assertTrue(assertThrows(BootException.class, () -> ZeroPage.write(memory, BzImage.parse("k", t.build()),
                "x".repeat(3000), null, e820, 0)).getMessage().contains("at most 2047 (x86 COMMAND_LINE_SIZE)"),
                "Linux's own buffer still limits");
    }

    @Test
    void rejectsMoreE820EntriesThanTheZeroPageHolds() {
        List<E820Map.Entry> many = new ArrayList<>(Collections.nCopies(128, new E820Map.Entry(0, 4096, 1)));
        ZeroPage.write(memory, BzImage.parse("k", t.build()), "", null, many, 0);
        assertEquals(128, Byte.toUnsignedInt(memory.readByte(ZeroPage.ADDRESS + 0x1e8)));
        assertEquals(0, memory.readLong(ZeroPage.ADDRESS + 0xcd0), "the table ends at 0xcd0");
        many.add(new E820Map.Entry(0, 4096, 1));
        assertTrue(assertThrows(BootException.class, () -> ZeroPage.write(memory, BzImage.parse("k", t.build()), "",
                null, many, 0)).getMessage().contains("too many memory map entries"));
    }
}
