package io.kvmj.vmm.arch.x86.acpi;

import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestMemoryException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.findRsdp;
import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.lowMemory;
import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.signature;
import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.table;
import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.u16;
import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.u32;
import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.u64;
import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AcpiTablesTest {
    static final AcpiSpec.MmioDevice BLOCK = new AcpiSpec.MmioDevice(0xd000_0000L, 0x1000, 5);
    static final AcpiSpec.MmioDevice NET = new AcpiSpec.MmioDevice(0xd000_1000L, 0x1000, 6);
    static final AcpiSpec SPEC = new AcpiSpec(2, List.of(BLOCK, NET), PowerPorts.DEFAULT);

    private final GuestMemory memory = lowMemory();

    /** The tables reachable from the RSDP at {@code rsdp}, by signature, each checked for length and checksum. */
    private List<byte[]> xsdtTables(long rsdp) {
        byte[] r = memory.read(rsdp, Rsdp.LENGTH);
        byte[] xsdt = table(memory, u64(r, Rsdp.XSDT_ADDRESS_OFFSET), "XSDT");
        List<byte[]> tables = new ArrayList<>();
        for (int at = Sdt.HEADER_SIZE; at < xsdt.length; at += 8) {
            long address = u64(xsdt, at);
            tables.add(table(memory, address, signature(memory, address, 4)));
        }
        return tables;
    }

    private byte[] fadt(long rsdp) {
        return xsdtTables(rsdp).stream().filter(t -> sig(t).equals("FACP")).findFirst().orElseThrow();
    }

    private byte[] madt(long rsdp) {
        return xsdtTables(rsdp).stream().filter(t -> sig(t).equals("APIC")).findFirst().orElseThrow();
    }

    private static String sig(byte[] table) {
        return new String(table, 0, 4, java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Test
    void rsdpIsFoundWhereLinuxScansAndIsValid() {
        long rsdp = AcpiTables.write(memory, AcpiTables.RSDP_ADDRESS, SPEC);
        assertEquals(0xe0000, rsdp);
        assertEquals(rsdp, findRsdp(memory, 0xe0000, 0x100000));
        byte[] r = memory.read(rsdp, Rsdp.LENGTH);
        assertEquals(2, u8(r, 15), "revision");
        assertEquals(36, u32(r, 20), "length");
        assertEquals("KVMJ  ", new String(r, 9, 6, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(0, u32(r, 16), "no RSDT");
        long xsdt = u64(r, Rsdp.XSDT_ADDRESS_OFFSET);
        assertEquals(0, xsdt % 16);
        assertTrue(xsdt >= rsdp + Rsdp.LENGTH && xsdt < AcpiTables.TABLES_LIMIT);
    }

    @Test
    void xsdtPointsAtFadtAndMadtAndFadtAtDsdt() {
        long rsdp = AcpiTables.write(memory, AcpiTables.RSDP_ADDRESS, SPEC);
        List<byte[]> tables = xsdtTables(rsdp);
        assertEquals(List.of("FACP", "APIC"), tables.stream().map(AcpiTablesTest::sig).toList());
        byte[] fadt = tables.getFirst();
        long dsdt = u64(fadt, Fadt.X_DSDT);
        assertEquals(dsdt, u32(fadt, Fadt.DSDT), "32-bit DSDT field agrees with X_DSDT");
        byte[] d = table(memory, dsdt, "DSDT");
        assertArrayEquals(Dsdt.build(SPEC), d);
    }

    @Test
    void everyHeaderHasKvmjIdsAndItsLength() {
        long rsdp = AcpiTables.write(memory, AcpiTables.RSDP_ADDRESS, SPEC);
        List<byte[]> all = new ArrayList<>(xsdtTables(rsdp));
        all.add(table(memory, u64(fadt(rsdp), Fadt.X_DSDT), "DSDT"));
        all.add(table(memory, u64(memory.read(rsdp, 36), 24), "XSDT"));
        for (byte[] t : all) {
            String sig = sig(t);
            assertEquals(t.length, u32(t, 4), sig + " length");
            assertEquals("KVMJ  ", new String(t, 10, 6, java.nio.charset.StandardCharsets.US_ASCII), sig);
            assertEquals("KVMJVM  ", new String(t, 16, 8, java.nio.charset.StandardCharsets.US_ASCII), sig);
            assertEquals("KVMJ", new String(t, 28, 4, java.nio.charset.StandardCharsets.US_ASCII), sig);
            assertEquals(0, ByteSink.sum(t, 0, t.length), sig + " checksum");
        }
    }

    @Test
    void tablesAreAlignedAndDoNotOverlap() {
        long rsdp = AcpiTables.write(memory, AcpiTables.RSDP_ADDRESS, SPEC);
        long xsdt = u64(memory.read(rsdp, 36), 24);
        long fadt = u64(memory.read(xsdt, 52), 36);
        long madt = u64(memory.read(xsdt, 52), 44);
        long dsdt = u64(memory.read(fadt, 276), Fadt.X_DSDT);
        long[] order = {rsdp, xsdt, fadt, dsdt, madt};
        long[] sizes = {36, 52, 276, memory.readInt(dsdt + 4), memory.readInt(madt + 4)};
        for (int i = 0; i < order.length; i++) {
            assertEquals(0, order[i] % 16);
            if (i > 0) {
                assertTrue(order[i] >= order[i - 1] + sizes[i - 1], "table " + i + " after table " + (i - 1));
            }
        }
    }

    @Test
    void fadtIsHardwareReducedRevision6WithSleepAndResetRegisters() {
        byte[] f = fadt(AcpiTables.write(memory, AcpiTables.RSDP_ADDRESS, SPEC));
        assertEquals(276, f.length);
        assertEquals(6, u8(f, 8), "revision");
        assertEquals(3, u8(f, Fadt.FADT_MINOR_VERSION));
        long flags = u32(f, Fadt.FLAGS);
        assertTrue((flags & (1 << 20)) != 0, "HW_REDUCED_ACPI");
        assertTrue((flags & (1 << 10)) != 0, "RESET_REG_SUP");
        assertEquals(0, u32(f, 36), "no FACS");
        for (int legacyBlock = 56; legacyBlock < 88; legacyBlock += 4) {
            assertEquals(0, u32(f, legacyBlock), "no legacy PM/GPE block at " + legacyBlock);
        }
        for (int xBlock = 148; xBlock < 244; xBlock++) {
            assertEquals(0, u8(f, xBlock), "no X_ PM/GPE block at " + xBlock);
        }
        assertEquals(0, u32(f, 48), "no SMI command port");
        assertIoRegister(f, Fadt.SLEEP_CONTROL_REG, 0x600);
        assertIoRegister(f, Fadt.SLEEP_STATUS_REG, 0x601);
        assertIoRegister(f, Fadt.RESET_REG, 0x602);
        assertEquals(PowerPorts.RESET_VALUE, u8(f, Fadt.RESET_VALUE));
        assertEquals(0, u16(f, Fadt.IAPC_BOOT_ARCH) & 0x3, "no legacy devices, no 8042");
        assertEquals("KVMJ", new String(f, Fadt.HYPERVISOR_VENDOR_ID, 4, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void fadtFollowsTheChosenPowerPorts() {
        AcpiSpec spec = new AcpiSpec(1, List.of(), new PowerPorts(0x1000));
        byte[] f = fadt(AcpiTables.write(memory, AcpiTables.RSDP_ADDRESS, spec));
        assertIoRegister(f, Fadt.SLEEP_CONTROL_REG, 0x1000);
        assertIoRegister(f, Fadt.SLEEP_STATUS_REG, 0x1001);
        assertIoRegister(f, Fadt.RESET_REG, 0x1002);
        assertThrows(IllegalArgumentException.class, () -> new PowerPorts(0xfffe));
    }

    private static void assertIoRegister(byte[] fadt, int offset, int port) {
        assertEquals(1, u8(fadt, offset), "system I/O space");
        assertEquals(8, u8(fadt, offset + 1), "bit width");
        assertEquals(0, u8(fadt, offset + 2), "bit offset");
        assertEquals(1, u8(fadt, offset + 3), "byte access");
        assertEquals(port, u64(fadt, offset + 4));
    }

    /** MADT entries as (type, bytes). */
    private static List<byte[]> madtEntries(byte[] madt) {
        List<byte[]> entries = new ArrayList<>();
        int at = Madt.HEADER_SIZE;
        while (at < madt.length) {
            int length = u8(madt, at + 1);
            assertTrue(length >= 2 && at + length <= madt.length, "entry at " + at + " fits");
            entries.add(java.util.Arrays.copyOfRange(madt, at, at + length));
            at += length;
        }
        return entries;
    }

    @Test
    void madtHasOneLocalApicPerVcpuTheIoApicTheTimerOverrideAndLint1Nmi() {
        AcpiSpec spec = new AcpiSpec(4, List.of(BLOCK));
        byte[] m = madt(AcpiTables.write(memory, AcpiTables.RSDP_ADDRESS, spec));
        assertEquals(5, u8(m, 8), "revision");
        assertEquals(0xfee00000L, u32(m, 36));
        assertEquals(Madt.FLAG_PCAT_COMPAT, u32(m, 40));
        List<byte[]> entries = madtEntries(m);
        assertEquals(4 + 1 + 1 + 1, entries.size(), "vCPUs + IOAPIC + override + NMI");
        for (int i = 0; i < 4; i++) {
            byte[] e = entries.get(i);
            assertEquals(0, u8(e, 0));
            assertEquals(8, e.length);
            assertEquals(i, u8(e, 2), "ACPI processor UID");
            assertEquals(i, u8(e, 3), "APIC id");
            assertEquals(1, u32(e, 4), "enabled");
        }
        byte[] ioapic = entries.get(4);
        assertEquals(List.of(1, 12, ApicLayout.IOAPIC_ID), List.of(u8(ioapic, 0), ioapic.length, u8(ioapic, 2)));
        assertEquals(0xfec00000L, u32(ioapic, 4));
        assertEquals(0, u32(ioapic, 8), "GSI base");
        byte[] override = entries.get(5);
        assertEquals(List.of(2, 10, 0, 0), List.of(u8(override, 0), override.length, u8(override, 2), u8(override, 3)));
        assertEquals(2, u32(override, 4), "ISA IRQ 0 -> GSI 2");
        assertEquals(0x5, u16(override, 8), "edge, active high");
        byte[] nmi = entries.get(6);
        assertEquals(List.of(4, 6, 0xff, 1), List.of(u8(nmi, 0), nmi.length, u8(nmi, 2), u8(nmi, 5)));
    }

    @Test
    void madtUsesX2ApicEntriesForIdsAbove254() {
        byte[] m = madt(AcpiTables.write(memory, AcpiTables.RSDP_ADDRESS, new AcpiSpec(300, List.of())));
        List<byte[]> entries = madtEntries(m);
        assertEquals(300 + 3 + 1, entries.size(), "vCPUs + IOAPIC + override + NMI + x2APIC NMI");
        assertEquals(255, entries.stream().filter(e -> e[0] == 0).count());
        List<byte[]> x2 = entries.stream().filter(e -> e[0] == 9).toList();
        assertEquals(45, x2.size());
        assertEquals(255, u32(x2.getFirst(), 4), "first x2APIC id");
        assertEquals(255, u32(x2.getFirst(), 12), "its UID");
        assertEquals(299, u32(x2.getLast(), 4));
        byte[] x2nmi = entries.getLast();
        assertEquals(List.of(0x0a, 12, 1), List.of(u8(x2nmi, 0), x2nmi.length, u8(x2nmi, 8)));
        assertEquals(0xffffffffL, u32(x2nmi, 4));
    }

    @Test
    void dsdtDescribesCom1EveryVirtioDeviceAndS5() {
        byte[] aml = Dsdt.aml(SPEC);
        assertContains(aml, Dsdt.com1());
        assertContains(aml, Dsdt.virtioMmio(0, BLOCK));
        assertContains(aml, Dsdt.virtioMmio(1, NET));
        assertContains(aml, Aml.name("_S5", Aml.pkg(Aml.integer(PowerPorts.S5_SLEEP_TYPE), Aml.integer(0))));
        assertContains(Dsdt.virtioMmio(1, NET), Aml.name("_UID", Aml.integer(1)));
        assertContains(Dsdt.virtioMmio(1, NET), new ResourceTemplate()
                .memory32Fixed(true, 0xd000_1000L, 0x1000).interrupt(true, false, false, 6).descriptors());
        assertEquals("V000", Dsdt.virtioDeviceName(0));
        assertEquals("V01F", Dsdt.virtioDeviceName(31));
        assertEquals("VFFF", Dsdt.virtioDeviceName(0xfff));
    }

    private static void assertContains(byte[] haystack, byte[] needle) {
        assertTrue(Collections.indexOfSubList(box(haystack), box(needle)) >= 0, "AML fragment not found");
    }

    private static List<Byte> box(byte[] b) {
        List<Byte> l = new ArrayList<>(b.length);
        for (byte x : b) {
            l.add(x);
        }
        return l;
    }

    @Test
    void tablesThatDoNotFitThrowAndWriteNothing() {
        byte[] before = memory.read(AcpiTables.RSDP_ADDRESS, 0x100);
        memory.writeByte(AcpiTables.RSDP_ADDRESS, (byte) 0x5a);
        assertThrows(IllegalArgumentException.class,
                () -> AcpiTables.write(memory, AcpiTables.RSDP_ADDRESS, AcpiTables.RSDP_ADDRESS + 0x100, SPEC));
        assertEquals(0x5a, memory.readByte(AcpiTables.RSDP_ADDRESS));
        assertArrayEquals(java.util.Arrays.copyOfRange(before, 1, 0x100),
                java.util.Arrays.copyOfRange(memory.read(AcpiTables.RSDP_ADDRESS, 0x100), 1, 0x100));
        // 4096 vCPUs with x2APIC entries need 64 KiB of MADT: more than 0xf8000..1 MiB holds.
        assertThrows(IllegalArgumentException.class,
                () -> AcpiTables.write(memory, 0xf8000, new AcpiSpec(4096, List.of())));
        assertThrows(IllegalArgumentException.class, () -> AcpiTables.write(memory, 0xe0008, SPEC), "unaligned");
        assertThrows(IllegalArgumentException.class, () -> AcpiTables.write(memory, 0x100000, SPEC), "past limit");
    }

    @Test
    void tablesOutsideGuestRamAreRejected() {
        assertThrows(GuestMemoryException.class,
                () -> AcpiTables.write(memory, 0xfff00, 0x200000, SPEC));
    }

    @Test
    void manyDevicesStillFitTheBiosArea() {
        List<AcpiSpec.MmioDevice> devices = new ArrayList<>();
        for (int i = 0; i < 19; i++) {
            devices.add(new AcpiSpec.MmioDevice(0xd000_0000L + 0x1000L * i, 0x1000, 5 + i));
        }
        long rsdp = AcpiTables.write(memory, AcpiTables.RSDP_ADDRESS, new AcpiSpec(254, devices));
        assertEquals(254 + 3, madtEntries(madt(rsdp)).size());
        byte[] dsdt = table(memory, u64(fadt(rsdp), Fadt.X_DSDT), "DSDT");
        assertContains(dsdt, Dsdt.virtioMmio(18, devices.get(18)));
    }

    @Test
    void specRejectsBadValues() {
        assertThrows(IllegalArgumentException.class, () -> new AcpiSpec(0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new AcpiSpec.MmioDevice(0xffff_f000L, 0x2000, 5));
        assertThrows(IllegalArgumentException.class, () -> new AcpiSpec.MmioDevice(0xd000_0000L, 0, 5));
        assertThrows(IllegalArgumentException.class, () -> new AcpiSpec.MmioDevice(0xd000_0000L, 0x1000, 24));
        assertThrows(IllegalArgumentException.class, () -> new AcpiSpec.MmioDevice(0xd000_0000L, 0x1000, -1));
        assertThrows(NullPointerException.class, () -> new AcpiSpec(1, List.of(), null));
    }
}
