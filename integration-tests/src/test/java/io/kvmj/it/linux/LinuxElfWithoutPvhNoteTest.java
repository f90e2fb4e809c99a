package io.kvmj.it.linux;

import io.kvmj.it.Environment;
import io.kvmj.vmm.boot.BootPath;
import io.kvmj.vmm.boot.KernelImage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A vmlinux without its PVH entry note (as built without CONFIG_PVH) boots on kvmj through the 64-bit boot protocol,
 * as Firecracker boots one: Debian's vmlinux with its {@code .notes} section removed reaches user space from the
 * initramfs, and the command line arrives whole. kvmj only: QEMU boots no ELF kernel without a PVH note.
 */
@Tag("linux")
class LinuxElfWithoutPvhNoteTest {
    private static final String JOB = """
            echo "cmdline=$(cat /proc/cmdline)"
            echo "root=$(awk '$2 == "/" {print $3; exit}' /proc/mounts)"
            """;

    @TempDir
    Path dir;

    @Test
    void vmlinuxWithoutPvhNoteReachesUserSpaceWithItsInitrdAndCommandLine() throws Exception {
        Environment.requireLinuxUserSpace();
        DebianKernel kernel = DebianKernel.fetch();
        Path vmlinux = dir.resolve("vmlinux-no-pvh");
        HostCommand.check(List.of("objcopy", "--remove-section=.notes", kernel.vmlinux().toString(), vmlinux.toString()));
        assertEquals(BootPath.PVH_ELF, KernelImage.inspect(kernel.vmlinux()).bootPath(), "Debian's has the note");
        assertEquals(BootPath.LINUX64_ELF, KernelImage.inspect(vmlinux).bootPath(), "the copy takes the new path");

        String cmdline = LinuxMachine.DEFAULT_CMDLINE + " kvmj.case=elf-64bit-entry";
        LinuxMachine machine = LinuxMachine.of(vmlinux, Initramfs.forJob(kernel, List.of(), JOB)).withCmdline(cmdline);
        LinuxRun run = LinuxBoot.run(Vmm.KVMJ, machine).assertJobPassedAndPoweredOff();

        assertEquals(cmdline, run.value("cmdline"), run.toString());
        assertEquals("rootfs", run.value("root"), "user space runs from the initrd: " + run);
    }
}
