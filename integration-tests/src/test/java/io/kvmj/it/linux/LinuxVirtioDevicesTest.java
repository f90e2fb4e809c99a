package io.kvmj.it.linux;

import io.kvmj.it.Environment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The virtio devices as a stock Linux uses them with its own drivers (virtio_mmio, virtio_blk, virtio-rng), in
 * one boot per VMM since the checks do not interfere: the devices are found through the ACPI DSDT alone (no
 * {@code virtio_mmio.device=} on the command line); an ext4 root drive, named by the {@code root=/dev/vda rw}
 * the VMM adds, is mounted read-write and a file written there is in the image afterwards; a read-only drive is
 * read-only to Linux and refuses a write; each drive's serial reaches sysfs; {@code blkdiscard} frees the host
 * file's blocks; {@code /dev/hwrng} is served by virtio-rng. QEMU microvm runs the same as the reference.
 */
@Tag("linux")
class LinuxVirtioDevicesTest {
    private static final int SCRATCH_MIB = 32;

    /** Finds disks by serial: QEMU and kvmj need not attach the non-root drives in the same order. */
    private static final String JOB = """
            disk() { for d in /sys/block/vd*; do [ "$(cat $d/serial)" = "$1" ] && echo ${d##*/}; done; }
            echo "acpi_virtio_devices=$(ls -d /sys/bus/platform/devices/LNRO0005:* | wc -l)"
            echo "disks=$(for d in /sys/block/vd*; do printf '%s:%s:%s ' ${d##*/} "$(cat $d/serial)" "$(cat $d/ro)"; done)"
            echo "cmdline=$(cat /proc/cmdline)"

            root=$(sed -n 's/.*root=\\([^ ]*\\).*/\\1/p' /proc/cmdline)
            echo "root_serial=$(cat /sys/block/${root#/dev/}/serial)"
            mount -t ext4 -o rw "$root" /mnt && echo "root_mount=$(awk '$2 == "/mnt" {print $4}' /proc/mounts)"
            boot_id=$(cat /proc/sys/kernel/random/boot_id)
            echo "$boot_id" > /mnt/written-by-guest && sync && echo "boot_id=$boot_id"
            umount /mnt

            ro=$(disk read-only-disk)
            echo "ro_flag=$(cat /sys/block/$ro/ro)"
            if dd if=/dev/zero of=/dev/$ro bs=4096 count=1 oflag=direct 2>/dev/null; then
              echo "ro_write=succeeded"
            else
              echo "ro_write=failed"
            fi

            scratch=$(disk scratch-disk)
            echo "discard_max_bytes=$(cat /sys/block/$scratch/queue/discard_max_bytes)"
            blkdiscard /dev/$scratch && echo "blkdiscard=ok"

            echo "rng_current=$(cat /sys/class/misc/hw_random/rng_current)"
            echo "hwrng_a=$(head -c 32 /dev/hwrng | od -An -tx1 | tr -d ' \\n')"
            echo "hwrng_b=$(head -c 32 /dev/hwrng | od -An -tx1 | tr -d ' \\n')"
            """;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Vmm.class)
    void linuxDriversUseTheDrivesAndTheEntropyDeviceFoundInTheDsdt(Vmm vmm) throws Exception {
        Environment.requireLinuxUserSpace();
        DebianKernel kernel = DebianKernel.fetch();
        Path content = Files.createDirectories(dir.resolve("root-content"));
        Files.writeString(content.resolve("made-on-host"), "host\n");
        Path rootImage = Ext4Image.create(dir.resolve("root.ext4"), 32, content);
        Path readOnlyImage = RawImage.filled(dir.resolve("read-only.img"), 4);
        Path scratchImage = RawImage.filled(dir.resolve("scratch.img"), SCRATCH_MIB);
        byte[] readOnlyBefore = Files.readAllBytes(readOnlyImage);
        long scratchBefore = RawImage.allocatedBytes(scratchImage);

        LinuxMachine machine = LinuxMachine.of(kernel.bzImage(), Initramfs.forJob(kernel,
                        List.of("virtio_mmio", "virtio_blk", "virtio_rng"), JOB))
                .withCpus(2)
                .withDrive(Drive.of("scratch", scratchImage).withSerial("scratch-disk"))
                .withDrive(Drive.of("data", readOnlyImage).readOnlyDrive().withSerial("read-only-disk"))
                .withDrive(Drive.of("rootfs", rootImage).asRoot().withSerial("root-disk"))
                .withEntropy();
        LinuxRun run = LinuxBoot.run(vmm, machine).assertJobPassedAndPoweredOff();

        // found through the DSDT: three drives and the entropy device, none named on the command line
        assertEquals("4", run.value("acpi_virtio_devices"), run.toString());
        assertFalse(run.value("cmdline").contains("virtio_mmio.device="), run.toString());
        // serials and read-only flags in sysfs; the root drive is vda, named by root=/dev/vda rw
        Set<String> disks = new TreeSet<>(List.of(run.value("disks").split(" ")));
        Set<String> serials = new TreeSet<>();
        for (String disk : disks) {
            serials.add(disk.substring(disk.indexOf(':') + 1));
        }
        assertEquals(Set.of("root-disk:0", "read-only-disk:1", "scratch-disk:0"), serials, run.toString());
        assertTrue(disks.contains("vda:root-disk:0"), run.toString());
        assertTrue(run.value("cmdline").endsWith("root=/dev/vda rw"), run.toString());
        assertEquals("root-disk", run.value("root_serial"), run.toString());
        // the root file system mounted read-write, and the guest's write is in the image
        assertTrue(List.of(run.value("root_mount").split(",")).contains("rw"), run.toString());
        Optional<String> written = Ext4Image.readFile(rootImage, "/written-by-guest");
        assertEquals(Optional.of(run.value("boot_id") + "\n"), written, run.toString());
        assertEquals(Optional.of("host\n"), Ext4Image.readFile(rootImage, "/made-on-host"));
        // the read-only drive: flagged, the write refused, the image untouched
        assertEquals("1", run.value("ro_flag"), run.toString());
        assertEquals("failed", run.value("ro_write"), run.toString());
        assertTrue(java.util.Arrays.equals(readOnlyBefore, Files.readAllBytes(readOnlyImage)), "read-only image changed");
        // discard: the guest sees the feature and the host file's blocks are freed
        assertNotEquals("0", run.value("discard_max_bytes"), run.toString());
        assertEquals("ok", run.value("blkdiscard"), run.toString());
        long scratchAfter = RawImage.allocatedBytes(scratchImage);
        assertTrue(scratchBefore >= (long) SCRATCH_MIB << 20, "scratch image allocated first: " + scratchBefore);
        assertTrue(scratchAfter <= scratchBefore / 8, "blkdiscard frees the host file's blocks: " + scratchBefore
                + " -> " + scratchAfter + " bytes\n" + run);
        // virtio-rng serves /dev/hwrng: 32 bytes twice, not the same
        assertTrue(run.value("rng_current").startsWith("virtio_rng"), run.toString());
        String a = run.value("hwrng_a");
        String b = run.value("hwrng_b");
        assertEquals(64, a.length(), run.toString());
        assertEquals(64, b.length(), run.toString());
        assertNotEquals(a, b, run.toString());
    }
}
