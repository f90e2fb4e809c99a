package io.kvmj.it.linux;

import io.kvmj.it.Environment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's stock cloud kernel reaches user space on kvmj, booted both ways kvmj can (the bzImage's 64-bit entry
 * and the vmlinux's PVH entry), and its init sees the configured machine: the vCPU count, the memory (less what
 * the kernel keeps for itself) and the command line exactly as given. Each case runs on QEMU microvm too, the
 * reference: a case failing there is a broken test, one failing on kvmj alone a kvmj bug. The init's
 * {@code poweroff -f} ending the VMM with status 0 is checked on every boot.
 */
@Tag("linux")
class LinuxUserSpaceTest {
    /** What the kernel keeps beyond the usable RAM it is given: its image, page structs (1/64 of RAM), tables. */
    private static final int MAX_RESERVED_MIB = 48;

    private static final String JOB = """
            echo "nproc=$(nproc)"
            echo "online=$(cat /sys/devices/system/cpu/online)"
            echo "memtotal_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
            echo "cmdline=$(cat /proc/cmdline)"
            """;

    enum KernelImage { BZIMAGE, VMLINUX_PVH }

    record Case(KernelImage image, int cpus, int memMib) {
        @Override
        public String toString() {
            return image + ", " + cpus + " vCPU" + (cpus > 1 ? "s" : "") + ", " + memMib + " MiB";
        }
    }

    static Stream<Arguments> cases() {
        List<Case> cases = List.of(new Case(KernelImage.BZIMAGE, 1, 256), new Case(KernelImage.BZIMAGE, 2, 384),
                new Case(KernelImage.VMLINUX_PVH, 2, 256));
        return cases.stream().flatMap(c -> Stream.of(Vmm.values()).map(vmm -> Arguments.of(c, vmm)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void initSeesTheConfiguredCpusMemoryAndCommandLineThenPowersOff(Case c, Vmm vmm) throws Exception {
        Environment.requireLinuxUserSpace();
        DebianKernel kernel = DebianKernel.fetch();
        Path image = c.image() == KernelImage.BZIMAGE ? kernel.bzImage() : kernel.vmlinux();
        String cmdline = LinuxMachine.DEFAULT_CMDLINE + " kvmj.case=" + c.image().name().toLowerCase() + "-" + c.cpus();
        LinuxMachine machine = LinuxMachine.of(image, Initramfs.forJob(kernel, List.of(), JOB))
                .withCpus(c.cpus()).withMemory(c.memMib()).withCmdline(cmdline);

        LinuxRun run = LinuxBoot.run(vmm, machine).assertJobPassedAndPoweredOff();

        assertEquals(Integer.toString(c.cpus()), run.value("nproc"), run.toString());
        assertEquals(c.cpus() == 1 ? "0" : "0-" + (c.cpus() - 1), run.value("online"), run.toString());
        assertEquals(cmdline, run.value("cmdline"), run.toString());
        long memTotalMib = Long.parseLong(run.value("memtotal_kib")) / 1024;
        assertTrue(memTotalMib <= c.memMib() && memTotalMib >= c.memMib() - MAX_RESERVED_MIB,
                "MemTotal " + memTotalMib + " MiB for " + c.memMib() + " MiB configured\n" + run);
    }
}
