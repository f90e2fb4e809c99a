package io.kvmj.it.linux;

import io.kvmj.it.Environment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code "on-reset": "restart"}: Linux's {@code reboot -f} restarts the machine in the same kvmj process, with the
 * kernel and initramfs loaded afresh and the disk as the first boot left it; the second boot powers off, which
 * ends kvmj with status 0. The job counts its boots on a raw disk (16 ASCII digits in its first sector).
 *
 * <p>kvmj only: QEMU's restart is not reliable in the nested machine (see {@link LinuxPowerTest}).
 */
@Tag("linux")
class LinuxRestartTest {
    private static final String JOB = """
            boots=$(dd if=/dev/vda bs=16 count=1 2>/dev/null | tr -dc 0-9)
            boots=$(( ${boots:-0} + 1 ))
            printf '%016d' $boots | dd of=/dev/vda bs=512 count=1 conv=sync,notrunc oflag=direct 2>/dev/null
            echo "boot_$boots=$(cat /proc/sys/kernel/random/boot_id)"
            if [ $boots -lt 2 ]; then
              reboot -f
              sleep 30
              echo "still_running=yes"
            fi
            """;

    @TempDir
    Path dir;

    @Test
    void rebootRestartsTheMachineWithItsDiskAndPowerOffEndsIt() throws Exception {
        Environment.requireLinuxUserSpace();
        DebianKernel kernel = DebianKernel.fetch();
        Path disk = Files.write(dir.resolve("counter.img"), new byte[1 << 20]);
        LinuxMachine machine = LinuxMachine.of(kernel.bzImage(),
                        Initramfs.forJob(kernel, List.of("virtio_mmio", "virtio_blk"), JOB))
                .withDrive(Drive.of("counter", disk))
                .restartingOnReset();
        LinuxRun run = LinuxBoot.run(Vmm.KVMJ, machine).assertJobPassedAndPoweredOff();

        String first = run.value("boot_1");
        String second = run.value("boot_2");
        assertNotEquals(first, second, "two boots of the kernel, each with its own boot id\n" + run);
        assertTrue(run.console().contains("reboot: Restarting system"), run.toString());
        assertTrue(run.findValue("still_running").isEmpty(), run.toString());
        assertTrue(run.findValue("boot_3").isEmpty(), "the power-off ended it\n" + run);
        assertEquals("0000000000000002",
                new String(Files.readAllBytes(disk), 0, 16, StandardCharsets.US_ASCII), "the disk after both boots");
    }
}
