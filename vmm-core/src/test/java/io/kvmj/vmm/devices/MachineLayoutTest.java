package io.kvmj.vmm.devices;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MachineLayoutTest {
    private static List<MachineLayout.MmioRequest> devices(int count) {
        return IntStream.range(0, count).mapToObj(i -> new MachineLayout.MmioRequest("drive d" + i, 0x200)).toList();
    }

    @Test
    void virtioWindowsFollowEachOtherFromTheMmioHoleWithOneGsiEach() {
        MachineLayout layout = MachineLayout.plan(-1, true, devices(3));
        assertEquals(List.of(new MachineLayout.MmioWindow("drive d0", MachineLayout.MMIO_BASE, 0x200, 5),
                new MachineLayout.MmioWindow("drive d1", MachineLayout.MMIO_BASE + 0x200, 0x200, 6),
                new MachineLayout.MmioWindow("drive d2", MachineLayout.MMIO_BASE + 0x400, 0x200, 7)), layout.virtio());
        assertEquals("virtio_mmio.device=512@0xd0000200:6", layout.virtio().get(1).virtioCmdlineEntry());
        assertEquals(0x3f8, layout.com1().base());
        assertEquals(0x600, layout.acpiPower().base());
        assertNull(layout.debugExit());
    }

    @Test
    void withoutAcpiThereAreNoPowerPorts() {
        MachineLayout layout = MachineLayout.plan(0x600, false, List.of());
        assertNull(layout.acpiPower());
        assertEquals(0x600, layout.debugExit().base(), "the ports are free without ACPI");
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "0x3f8; debug-exit (ports 0x3f8-0x3fb) overlaps COM1 (ports 0x3f8-0x3ff)",
        "0x3f5; debug-exit (ports 0x3f5-0x3f8) overlaps COM1 (ports 0x3f8-0x3ff)",
        "0x3fc; debug-exit (ports 0x3fc-0x3ff) overlaps COM1 (ports 0x3f8-0x3ff)",
        "0x60; debug-exit (ports 0x60-0x63) overlaps the i8042 controller (ports 0x60-0x64)",
        "0x64; debug-exit (ports 0x64-0x67) overlaps the i8042 controller (ports 0x60-0x64)",
        "0xcf8; debug-exit (ports 0xcf8-0xcfb) overlaps the reset control register (ports 0xcf9-0xcf9)",
        "0x5fd; debug-exit (ports 0x5fd-0x600) overlaps the ACPI power ports (ports 0x600-0x603)",
        "0x602; debug-exit (ports 0x602-0x605) overlaps the ACPI power ports (ports 0x600-0x603)",
        "0xfffd; debug-exit (ports 0xfffd-0x10000) runs past the last I/O port 0xffff"})
    void debugExitPortsThatClashAreRefusedNamingBothDevices(String port, String message) {
        var e = assertThrows(IllegalArgumentException.class,
                () -> MachineLayout.plan(Integer.decode(port), true, List.of()));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"0xf4", "0x3f4", "0x400", "0x65", "0xcfa", "0x604", "0xfffc"})
    void debugExitPortsNextToOtherDevicesAreFine(String port) {
        assertEquals(Integer.decode(port), MachineLayout.plan(Integer.decode(port), true, List.of()).debugExit().base());
    }

    @Test
    void asManyVirtioDevicesAsGsisFitAndOneMoreIsRefused() {
        List<MachineLayout.MmioWindow> windows = MachineLayout.plan(-1, true, devices(19)).virtio();
        assertEquals(MachineLayout.MAX_MMIO_DEVICES, windows.size());
        assertEquals(23, windows.getLast().gsi());
        var e = assertThrows(IllegalArgumentException.class, () -> MachineLayout.plan(-1, true, devices(20)));
        assertEquals("too many virtio devices: 20, at most 19 (one interrupt line each, GSIs 5-23); drive d19 has "
                + "none left", e.getMessage());
    }
}
