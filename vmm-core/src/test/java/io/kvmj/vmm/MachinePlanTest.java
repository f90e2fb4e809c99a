package io.kvmj.vmm;

import io.kvmj.vmm.arch.x86.CpuTemplate;
import io.kvmj.vmm.boot.BootException;
import io.kvmj.vmm.boot.BootPath;
import io.kvmj.vmm.boot.TestElf;
import io.kvmj.vmm.devices.DeviceManager;
import io.kvmj.vmm.devices.DeviceSetup;
import io.kvmj.vmm.devices.MachineLayout;
import io.kvmj.vmm.memory.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checks {@link VmBuilder} makes before it opens KVM, on files made here (no KVM, no guest memory). */
class MachinePlanTest {
    @TempDir
    Path dir;

    /** A device that only asks for a window: planning never attaches anything. */
    private record Window(String name) implements DeviceSetup {
        @Override
        public MachineLayout.MmioRequest mmioRequest() {
            return new MachineLayout.MmioRequest(name, 0x200);
        }

        @Override
        public void check() {
            if (name.startsWith("broken")) {
                throw new IllegalArgumentException(name + ": cannot open");
            }
        }

        @Override
        public void attach(DeviceManager devices, DeviceManager.MmioSlot slot, GuestMemory memory) {
            throw new AssertionError("planning attaches nothing");
        }
    }

    /** A file that starts like an ELF: enough for the format; loading it is the loader's business. */
    private Path elf() throws IOException {
        return Files.write(dir.resolve("vmlinux"), new TestElf().build());
    }

    private static VmSpec spec(Path kernel, Path initrd, String cmdline, int vcpus, int debugExit,
                               List<DeviceSetup> devices, boolean acpi) {
        return new VmSpec(kernel, initrd, cmdline, 64L << 20, vcpus, false, debugExit, null, null, devices, acpi,
                CpuTemplate.NONE, false);
    }

    @Test
    void withoutAcpiTheVirtioDevicesJoinTheCommandLine() throws IOException {
        MachinePlan plan = MachinePlan.of(spec(elf(), null, " console=ttyS0 ", 1, -1,
                List.of(new Window("drive a"), new Window("rng")), false));
        assertEquals(BootPath.PVH_ELF, plan.kernel().bootPath());
        assertEquals("console=ttyS0 virtio_mmio.device=512@0xd0000000:5 virtio_mmio.device=512@0xd0000200:6",
                plan.cmdline());
        MachinePlan acpi = MachinePlan.of(spec(elf(), null, "console=ttyS0", 1, -1, List.of(new Window("a")), true));
        assertEquals("console=ttyS0", acpi.cmdline(), "with ACPI the DSDT announces them");
    }

    @Test
    void aFileThatIsNoKernelIsSaidToBeNone() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a kernel\n".repeat(100));
        var e = assertThrows(BootException.class, () -> MachinePlan.of(spec(text, null, "", 1, -1, List.of(), true)));
        assertEquals(text + ": not a kernel: neither an ELF vmlinux nor a bzImage", e.getMessage());
    }

    @Test
    void anEmptyOrMissingInitrdIsRefused() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.cpio"));
        var e = assertThrows(BootException.class, () -> MachinePlan.of(spec(elf(), empty, "", 1, -1, List.of(), true)));
        assertEquals(empty + ": initrd is empty", e.getMessage());
        Path missing = dir.resolve("missing.cpio");
        e = assertThrows(BootException.class, () -> MachinePlan.of(spec(elf(), missing, "", 1, -1, List.of(), true)));
        assertTrue(e.getMessage().startsWith(missing + ": cannot read initrd: "), e.getMessage());
    }

    @Test
    void theMpTableLimitsVcpusOnlyWithoutAcpi() throws IOException {
        Path kernel = elf();
        var e = assertThrows(IllegalArgumentException.class,
                () -> MachinePlan.of(spec(kernel, null, "", 256, -1, List.of(), false)));
        assertEquals("without ACPI the MP table describes at most 255 vCPUs, not 256", e.getMessage());
        assertDoesNotThrow(() -> MachinePlan.of(spec(kernel, null, "", 256, -1, List.of(), true)));
    }

    @Test
    void deviceEntriesThatOverflowTheCommandLineAreRefused() throws IOException {
        String user = "x".repeat(2000);
        Path kernel = elf();
        List<DeviceSetup> devices = Collections.nCopies(2, new Window("d"));
        assertEquals(user, MachinePlan.of(spec(kernel, null, user, 1, -1, devices, true)).cmdline());
        var e = assertThrows(BootException.class, () -> MachinePlan.of(spec(kernel, null, user, 1, -1, devices, false)));
        assertTrue(e.getMessage().startsWith("kernel command line too long: 2072 bytes, the kernel takes at most 2047"),
                e.getMessage());
    }

    @Test
    void devicePortClashesReachThePlan() throws IOException {
        var e = assertThrows(IllegalArgumentException.class,
                () -> MachinePlan.of(spec(elf(), null, "", 1, 0x3f8, List.of(), true)));
        assertEquals("debug-exit (ports 0x3f8-0x3fb) overlaps COM1 (ports 0x3f8-0x3ff)", e.getMessage());
    }

    @Test
    void eachDeviceChecksItselfBeforeTheLayout() throws IOException {
        var e = assertThrows(IllegalArgumentException.class, () -> MachinePlan.of(spec(elf(), null, "", 1, -1,
                List.of(new Window("drive a"), new Window("broken b")), true)));
        assertEquals("broken b: cannot open", e.getMessage());
    }
}
