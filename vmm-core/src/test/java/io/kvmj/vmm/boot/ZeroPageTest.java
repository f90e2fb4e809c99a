package io.kvmj.vmm.boot;

import io.kvmj.vmm.arch.x86.E820Map;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ZeroPageTest {
    private static final long CMDLINE = 0x20000;
    private final Arena arena = Arena.ofAuto();
    private final RegionGuestMemory memory = new RegionGuestMemory(List.of(
            new GuestRegion(0, arena.allocate(8 << 20)), new GuestRegion(1L << 32, arena.allocate(1 << 20))));
    private final List<E820Map.Entry> e820 = E820Map.of(memory.regions());

    /** A setup header 0x1f1..0x26c whose every byte is recognizable (never 0), loadflags with CAN_USE_HEAP set. */
    private static byte[] header() {
        byte[] h = new byte[0x26c - 0x1f1];
        for (int i = 0; i < h.length; i++) {
            h[i] = (byte) (0x10 + i % 0xe0);
        }
        h[0x211 - 0x1f1] = (byte) (ZeroPage.LOADED_HIGH | ZeroPage.CAN_USE_HEAP);
        return h;
    }

    @Test
    void writesHeaderLoaderFieldsAndMemoryMap() {
        memory.slice(ZeroPage.ADDRESS, ZeroPage.SIZE).fill((byte) 0x55); // stale data must not survive
        byte[] header = header();
        long zp = ZeroPage.write(memory, header, CMDLINE, null, e820, 0);
        assertEquals(ZeroPage.ADDRESS, zp);

        byte[] expected = header.clone();
        expected[0x210 - 0x1f1] = (byte) 0xff;
        expected[0x211 - 0x1f1] = ZeroPage.LOADED_HIGH;
        for (int i = 0; i < 2; i++) {
            expected[0x224 - 0x1f1 + i] = 0;
        }
        expected[0x228 - 0x1f1] = 0;
        expected[0x229 - 0x1f1] = 0;
        expected[0x22a - 0x1f1] = 0x02;
        expected[0x22b - 0x1f1] = 0;
        assertArrayEquals(expected, memory.read(zp + 0x1f1, header.length),
                "setup header at 0x1f1 with type_of_loader, loadflags, heap_end_ptr and cmd_line_ptr written");
        assertEquals(0, memory.readByte(zp + 0x1ef), "sentinel stays 0");
        assertEquals(0, memory.readByte(zp + 0x26c), "nothing past the header end");
        assertEquals((byte) 0xff, memory.readByte(zp + 0x210), "type_of_loader");
        assertEquals(ZeroPage.LOADED_HIGH, memory.readByte(zp + 0x211), "loadflags: LOADED_HIGH, no CAN_USE_HEAP");
        assertEquals(0, memory.readShort(zp + 0x224), "heap_end_ptr");
        assertEquals(CMDLINE, memory.readInt(zp + 0x228), "cmd_line_ptr");
        assertEquals(0, memory.readInt(zp + 0x0c8), "ext_cmd_line_ptr");
        assertEquals(0, memory.readLong(zp + 0x070), "no acpi_rsdp_addr unless given");

        assertEquals(4, memory.readByte(zp + 0x1e8), "e820_entries");
        long[][] map = {{0, 0x9fc00, 1}, {0x9fc00, 0x100000 - 0x9fc00, 2}, {0x100000, (8 << 20) - 0x100000, 1},
            {1L << 32, 1 << 20, 1}};
        for (int i = 0; i < map.length; i++) {
            long entry = zp + 0x2d0 + 20L * i;
            assertEquals(map[i][0], memory.readLong(entry), "entry " + i + " address");
            assertEquals(map[i][1], memory.readLong(entry + 8), "entry " + i + " size");
            assertEquals(map[i][2], memory.readInt(entry + 16), "entry " + i + " type");
        }
        assertEquals(0, memory.readLong(zp + 0x2d0 + 80));
    }

    @Test
    void writesRamdiskAndRsdpFields() {
        long zp = ZeroPage.write(memory, header(), CMDLINE, new PvhStartInfo.Module(0x7f0000, 0x12345), e820, 0xe0000);
        assertEquals(0x7f0000, memory.readInt(zp + 0x218), "ramdisk_image");
        assertEquals(0x12345, memory.readInt(zp + 0x21c), "ramdisk_size");
        assertEquals(0, memory.readInt(zp + 0x0c0), "ext_ramdisk_image");
        assertEquals(0, memory.readInt(zp + 0x0c4), "ext_ramdisk_size");
        assertEquals(0xe0000, memory.readLong(zp + 0x070), "acpi_rsdp_addr");
    }

    @Test
    void splitsAddressesAbove4GiBIntoExtFields() {
        long zp = ZeroPage.write(memory, header(), 0x1_0002_0000L,
                new PvhStartInfo.Module(0x1_2345_6000L, 0x1_0000_0010L), e820, 0);
        assertEquals(0x23456000, memory.readInt(zp + 0x218));
        assertEquals(1, memory.readInt(zp + 0x0c0));
        assertEquals(0x10, memory.readInt(zp + 0x21c));
        assertEquals(1, memory.readInt(zp + 0x0c4));
        assertEquals(0x20000, memory.readInt(zp + 0x228));
        assertEquals(1, memory.readInt(zp + 0x0c8), "ext_cmd_line_ptr");
    }

    @Test
    void rejectsMoreE820EntriesThanTheZeroPageHolds() {
        List<E820Map.Entry> many = new ArrayList<>(Collections.nCopies(128, new E820Map.Entry(0, 4096, 1)));
        ZeroPage.write(memory, header(), CMDLINE, null, many, 0);
        assertEquals(128, Byte.toUnsignedInt(memory.readByte(ZeroPage.ADDRESS + 0x1e8)));
        assertEquals(0, memory.readLong(ZeroPage.ADDRESS + 0xcd0), "the table ends at 0xcd0");
        many.add(new E820Map.Entry(0, 4096, 1));
        assertTrue(assertThrows(BootException.class, () -> ZeroPage.write(memory, header(), CMDLINE, null, many, 0))
                .getMessage().contains("too many memory map entries"));
    }

    @Test
    void refusesAHeaderThatMissesLoadflagsOrOverrunsBootParams() {
        assertThrows(IllegalArgumentException.class,
                () -> ZeroPage.write(memory, new byte[0x211 - 0x1f1], CMDLINE, null, e820, 0));
        assertThrows(IllegalArgumentException.class,
                () -> ZeroPage.write(memory, new byte[0x290 - 0x1f1 + 1], CMDLINE, null, e820, 0));
    }
}
