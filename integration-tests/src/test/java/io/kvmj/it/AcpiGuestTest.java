package io.kvmj.it;

import io.kvmj.virtio.mmio.VirtioMmioDevices;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The acpi guest walks the tables the VMM gives it (checksums, FADT, DSDT devices, MADT CPUs) and powers off
 * through the FADT's sleep register; on kvmj and on QEMU microvm with ACPI.
 */
@Tag("kvm")
class AcpiGuestTest {
    private static void assertPassedAndPoweredOff(GuestRun run) {
        assertEquals(0, run.status(), run.toString());
        assertTrue(run.serial().contains(" fail 0") && run.serial().contains("kvmj-guest acpi done"), run.toString());
        assertTrue(run.serial().contains("acpi: powering off"), run.toString());
    }

    @Test
    void kvmjTablesPassAndAcpiPowerOffEndsTheVmCleanly() throws Exception {
        Environment.requireKvm();
        GuestRun run = Kvmj.inProcess(Environment.guest("acpi"), "cpus=2 expect_virtio=2", 128, 2,
                List.of(VirtioMmioDevices.rng(), VirtioMmioDevices.rng()), true);
        assertPassedAndPoweredOff(run);
        assertTrue(run.stderr().contains("ACPI power off"), run.stderr());
        assertTrue(run.serial().contains("acpi: madt cpus=2"), run.toString());
    }

    @Test
    void qemuTablesPassTheSameGuest() throws Exception {
        assertPassedAndPoweredOff(Qemu.run(Environment.guest("acpi"), "cpus=2 expect_virtio=1", 128, 2, true,
                List.of("-device", "virtio-rng-device")));
    }

    @Test
    void withoutAcpiTheGuestFindsNoRsdp() throws Exception {
        Environment.requireKvm();
        GuestRun run = Kvmj.inProcess(Environment.guest("acpi"), "cpus=1", 64, 1, List.of(), false);
        assertEquals(GuestRun.debugExitStatus(1), run.status(), run.toString());
    }
}
