package io.kvmj.vmm.arch.x86.acpi;

import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestMemoryException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.lowMemory;
import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.signature;
import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.u16;
import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.u32;
import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MpTableTest {
    private final GuestMemory memory = lowMemory();

    /** Finds the floating pointer the way Linux does (16-byte steps, length 1, checksum, spec 1.1 or 1.4). */
    private long scan(long from, long length) {
        for (long a = from; a < from + length; a += 16) {
            byte[] f = memory.read(a, 16);
            if (signature(memory, a, 4).equals("_MP_") && f[8] == 1 && ByteSink.sum(f, 0, 16) == 0
                    && (f[9] == 1 || f[9] == 4)) {
                return a;
            }
        }
        return -1;
    }

    private byte[] configurationTable(long floating) {
        long address = u32(memory.read(floating, 16), 4);
        assertEquals("PCMP", signature(memory, address, 4));
        int length = memory.readShort(address + 4) & 0xffff;
        byte[] t = memory.read(address, length);
        assertEquals(0, ByteSink.sum(t, 0, t.length), "PCMP checksum");
        return t;
    }

    private static List<byte[]> entries(byte[] table) {
        List<byte[]> entries = new ArrayList<>();
        int at = MpTable.TABLE_HEADER_LENGTH;
        while (at < table.length) {
            int length = table[at] == MpTable.ENTRY_PROCESSOR ? 20 : 8;
            entries.add(Arrays.copyOfRange(table, at, at + length));
            at += length;
        }
        assertEquals(table.length, at, "entries fill the table exactly");
        return entries;
    }

    @Test
    void floatingPointerIsInTheEbdaAndPointsAtTheTable() {
        long end = MpTable.write(memory, MpTable.DEFAULT_ADDRESS, 2);
        long floating = scan(639 * 1024, 1024);
        assertEquals(0x9fc00, floating, "Linux scans the last KiB below 640 KiB");
        byte[] f = memory.read(floating, 16);
        assertEquals(0x9fc10, u32(f, 4), "configuration table right after it");
        assertEquals(4, f[9], "MP spec 1.4");
        assertEquals(0, f[11], "feature 1: table present");
        assertEquals(0, f[12], "feature 2: virtual wire, no IMCR");
        byte[] table = configurationTable(floating);
        assertEquals(end, 0x9fc10 + table.length);
    }

    @Test
    void tableDescribesCpusBusIoApicAndInterrupts() {
        MpTable.write(memory, MpTable.DEFAULT_ADDRESS, 3);
        byte[] t = configurationTable(MpTable.DEFAULT_ADDRESS);
        assertEquals(4, t[6], "spec revision");
        assertEquals("KVMJ    ", new String(t, 8, 8, StandardCharsets.US_ASCII));
        assertEquals(0xfee00000L, u32(t, 36), "local APIC address");
        List<byte[]> entries = entries(t);
        assertEquals(entries.size(), u16(t, MpTable.TABLE_ENTRY_COUNT_OFFSET), "entry count");

        List<byte[]> cpus = entries.stream().filter(e -> e[0] == 0).toList();
        assertEquals(3, cpus.size());
        for (int i = 0; i < 3; i++) {
            byte[] cpu = cpus.get(i);
            assertEquals(i, u8(cpu, 1), "APIC id");
            assertEquals(0x14, u8(cpu, 2), "APIC version");
            assertEquals(i == 0 ? 3 : 1, u8(cpu, 3), "enabled, BSP only on 0");
        }
        byte[] bus = entries.stream().filter(e -> e[0] == 1).findFirst().orElseThrow();
        assertEquals("ISA   ", new String(bus, 2, 6, StandardCharsets.US_ASCII));
        List<byte[]> ioapics = entries.stream().filter(e -> e[0] == 2).toList();
        assertEquals(1, ioapics.size());
        assertEquals(List.of(ApicLayout.IOAPIC_ID, 0x11, 1),
                List.of(u8(ioapics.getFirst(), 1), u8(ioapics.getFirst(), 2), u8(ioapics.getFirst(), 3)));
        assertEquals(0xfec00000L, u32(ioapics.getFirst(), 4));

        List<byte[]> ints = entries.stream().filter(e -> e[0] == 3).toList();
        assertEquals(23, ints.size(), "IRQs 0-23 but the cascade");
        int[] pinOfIrq = new int[24];
        Arrays.fill(pinOfIrq, -1);
        for (byte[] e : ints) {
            assertEquals(0, u8(e, 1), "INT");
            assertEquals(0, u16(e, 2), "conforming");
            assertEquals(0, u8(e, 4), "ISA bus");
            assertEquals(ApicLayout.IOAPIC_ID, u8(e, 6));
            pinOfIrq[u8(e, 5)] = u8(e, 7);
        }
        assertEquals(2, pinOfIrq[0], "IRQ 0 -> pin 2");
        assertEquals(-1, pinOfIrq[2], "no entry for the cascade");
        assertEquals(4, pinOfIrq[4]);
        assertEquals(23, pinOfIrq[23]);
        assertEquals(23, ints.stream().mapToInt(e -> u8(e, 7)).distinct().count(), "no pin used twice");

        List<byte[]> locals = entries.stream().filter(e -> e[0] == 4).toList();
        assertEquals(2, locals.size());
        assertEquals(List.of(3, 0xff, 0), List.of(u8(locals.get(0), 1), u8(locals.get(0), 6), u8(locals.get(0), 7)),
                "ExtINT on LINT0 of all local APICs");
        assertEquals(List.of(1, 0xff, 1), List.of(u8(locals.get(1), 1), u8(locals.get(1), 6), u8(locals.get(1), 7)),
                "NMI on LINT1");
        assertEquals(3 + 1 + 1 + 23 + 2, entries.size());
    }

    @Test
    void largestTableStillChecksOut() {
        long end = MpTable.write(memory, MpTable.DEFAULT_ADDRESS, MpTable.MAX_VCPUS);
        byte[] t = configurationTable(MpTable.DEFAULT_ADDRESS);
        assertEquals(255 + 1 + 1 + 23 + 2, entries(t).size());
        assertTrue(end < 0xe0000, "ends below the ACPI area");
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> MpTable.write(memory, MpTable.DEFAULT_ADDRESS, 0));
        assertThrows(IllegalArgumentException.class, () -> MpTable.write(memory, MpTable.DEFAULT_ADDRESS, 256));
        assertThrows(IllegalArgumentException.class, () -> MpTable.write(memory, 0x9fc08, 1));
        assertThrows(GuestMemoryException.class, () -> MpTable.write(memory, 0xfff00, 8));
        assertFalse(scan(0x9fc00, 1024) >= 0, "nothing written by the failed calls");
    }
}
