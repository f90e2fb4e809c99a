package io.kvmj.it;

import io.kvmj.virtio.mmio.VirtioMmioDevices;
import io.kvmj.vmm.devices.DeviceSetup;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.kvmj.virtio.block.CacheType.WRITEBACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The virtio test guests (their own minimal virtio-mmio drivers) against kvmj's virtio-blk and virtio-rng,
 * and against QEMU microvm's as the reference. Disk contents are verified from the host afterwards.
 */
@Tag("kvm")
class VirtioGuestsTest {
    private static final long DISK_BYTES = 16 << 20;
    private static final long SECTORS = 512;

    @TempDir
    Path dir;

    private Path disk(String name) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, new byte[(int) DISK_BYTES]);
        return p;
    }

    private static List<String> qemuDrive(Path image, boolean readOnly, String serial) {
        return List.of("-drive", "id=d0,file=" + image + ",format=raw,if=none,discard=unmap"
                        + (readOnly ? ",readonly=on" : ""),
                "-device", "virtio-blk-device,drive=d0,serial=" + serial);
    }

    @ParameterizedTest(name = "virtio_blk {0} on kvmj")
    @ValueSource(strings = {"inflight=8", "inflight=16 indirect=1 event_idx=1", "inflight=1 event_idx=1",
        "inflight=300 indirect=1"})
    void blockGuestPassesOnKvmjAndTheDataIsOnTheHostFile(String params) throws Exception {
        Environment.requireKvm();
        Path image = disk("kvmj.img");
        GuestRun run = Kvmj.inProcess(Environment.guest("virtio_blk"),
                "seed=7 sectors=" + SECTORS + " expect_serial=disk-a " + params, 128, 1,
                List.of(VirtioMmioDevices.block("drive a", image, false, "disk-a", false, WRITEBACK)), false);
        assertTrue(run.passed(), run.toString());
        assertEquals(0, DiskPattern.badSectors(image, 7, SECTORS), "pattern on the host file");
    }

    @Test
    void blockGuestPassesOnQemu() throws Exception {
        Path image = disk("qemu.img");
        GuestRun run = Qemu.run(Environment.guest("virtio_blk"), "seed=7 sectors=" + SECTORS
                + " expect_serial=disk-a inflight=16 indirect=1 event_idx=1", 128, 1, false,
                qemuDrive(image, false, "disk-a"));
        assertTrue(run.passed(), run.toString());
        assertEquals(0, DiskPattern.badSectors(image, 7, SECTORS));
    }

    @Test
    void directIoDriveWorksToo() throws Exception {
        Environment.requireKvm();
        Path image = Files.createTempFile(Path.of("target"), "direct", ".img"); // O_DIRECT is refused on tmpfs
        try {
            Files.write(image, new byte[(int) DISK_BYTES]);
            GuestRun run = Kvmj.inProcess(Environment.guest("virtio_blk"), "seed=9 sectors=" + SECTORS, 128, 1,
                    List.of(VirtioMmioDevices.block("drive d", image, false, "d", true, WRITEBACK)), false);
            assertTrue(run.passed(), run.toString());
            assertEquals(0, DiskPattern.badSectors(image, 9, SECTORS));
        } finally {
            Files.deleteIfExists(image);
        }
    }

    @Test
    void readOnlyDiskRefusesWritesOnKvmjAndQemu() throws Exception {
        Path image = disk("ro.img");
        String cmdline = "expect_ro=1 sectors=64";
        GuestRun qemu = Qemu.run(Environment.guest("virtio_blk"), cmdline, 128, 1, false,
                qemuDrive(image, true, "ro"));
        assertTrue(qemu.passed(), qemu.toString());
        Environment.requireKvm();
        GuestRun kvmj = Kvmj.inProcess(Environment.guest("virtio_blk"), cmdline, 128, 1,
                List.of(VirtioMmioDevices.block("drive ro", image, true, "ro", false, WRITEBACK)), false);
        assertTrue(kvmj.passed(), kvmj.toString());
        assertEquals(SECTORS, DiskPattern.badSectors(image, 1, SECTORS), "nothing was written");
    }

    @Test
    void rngGuestGetsEntropyOnKvmjAndQemu() throws Exception {
        GuestRun qemu = Qemu.run(Environment.guest("virtio_rng"), "bytes=4096", 64, 1, false,
                List.of("-device", "virtio-rng-device"));
        assertTrue(qemu.passed(), qemu.toString());
        Environment.requireKvm();
        GuestRun kvmj = Kvmj.inProcess(Environment.guest("virtio_rng"), "bytes=4096", 64, 1,
                List.of(VirtioMmioDevices.rng()), false);
        assertTrue(kvmj.passed(), kvmj.toString());
        assertTrue(kvmj.serial().contains("virtio_rng: bytes=4096"), kvmj.toString());
    }

    @Test
    void hostileGuestCannotBreakTheVmmOrTheOtherDevice() throws Exception {
        Environment.requireKvm();
        List<DeviceSetup> devices = List.of(
                VirtioMmioDevices.block("drive h", disk("h.img"), false, "h", false, WRITEBACK), VirtioMmioDevices.rng());
        GuestRun run = Kvmj.inProcess(Environment.guest("virtio_hostile"), "", 128, 1, devices, false);
        assertTrue(run.passed(), run.toString());
        assertTrue(run.serial().contains("hostile: rng after all cases"), run.toString());
    }

    @Test
    void hostileGuestQemuSafeSubsetPassesOnQemu() throws Exception {
        List<String> args = new ArrayList<>(qemuDrive(disk("hq.img"), false, "h"));
        args.addAll(List.of("-device", "virtio-rng-device"));
        GuestRun run = Qemu.run(Environment.guest("virtio_hostile"), "qemu_safe=1", 128, 1, false, args);
        assertTrue(run.passed(), run.toString());
    }

    /**
     * A write the guest has flushed is on the host file even when kvmj is killed right after (SIGKILL). The
     * drive is {@code Writeback}: with Firecracker's default {@code Unsafe} the device offers no flush.
     */
    @Test
    void flushedDataSurvivesSigkillOfTheVmm() throws Exception {
        Environment.requireKvm();
        Path image = disk("crash.img");
        Path config = Files.writeString(dir.resolve("vm.json"), """
                {"boot-source": {"kernel_image_path": "%s", "boot_args": "seed=5 sectors=%d"},
                 "machine-config": {"vcpu_count": 1, "mem_size_mib": 128},
                 "drives": [{"drive_id": "d", "path_on_host": "%s", "is_root_device": true, "is_read_only": false,
                             "cache_type": "Writeback"}],
                 "acpi": {"enabled": false}, "debug-exit": {"iobase": 244},
                 "serial": {"output": "stdout", "input": "none"}}
                """.formatted(Environment.guest("virtio_blk"), SECTORS, image));
        Process vm = new ProcessBuilder(Environment.java(), "--enable-native-access=ALL-UNNAMED", "-jar",
                Environment.CLI_JAR.toString(), "run", config.toString()).redirectErrorStream(true).start();
        StringBuilder seen = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(vm.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.startsWith("ok") && line.contains("FLUSH")) {
                    vm.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no further fsync
                    break;
                }
            }
        }
        assertTrue(vm.waitFor(10, TimeUnit.SECONDS));
        assertEquals(137, vm.exitValue(), "killed:\n" + seen);
        assertEquals(0, DiskPattern.badSectors(image, 5, SECTORS), "flushed data on the host file:\n" + seen);
    }
}
