package io.kvmj.it.linux;

import io.kvmj.it.Environment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without ACPI, Linux finds its CPUs in the MP table, and the memory map the VMM hands it (the zero page's e820
 * table for a bzImage, the PVH start info's memmap for a vmlinux) describes the MP table as reserved, so a guest
 * that follows the MP spec finds it there and none takes it for RAM. Linux's own view: the firmware map in
 * {@code /sys/firmware/memmap} and where it says it found the MP floating pointer.
 */
@Tag("linux")
class LinuxMemoryMapTest {
    private static final String JOB = """
            echo "cpus_online=$(cat /sys/devices/system/cpu/online)"
            echo "memmap=$(for d in /sys/firmware/memmap/*; do printf '%s-%s:%s;' $(cat $d/start) $(cat $d/end) "$(cat $d/type)"; done)"
            echo "mptable=$(dmesg | sed -n 's/.*found SMP MP-table at \\[mem \\(0x[0-9a-f]*\\)-.*/\\1/p')"
            """;
    private static final Pattern ENTRY = Pattern.compile("0x([0-9a-f]+)-0x([0-9a-f]+):([^;]+);");

    static Stream<Arguments> cases() {
        Function<DebianKernel, Path> bzImage = DebianKernel::bzImage;
        Function<DebianKernel, Path> vmlinux = DebianKernel::vmlinux;
        return Stream.of(Arguments.of("bzImage", bzImage, Vmm.KVMJ), Arguments.of("vmlinux (PVH)", vmlinux, Vmm.KVMJ),
                Arguments.of("bzImage", bzImage, Vmm.QEMU));
    }

    @ParameterizedTest(name = "{0} on {2}")
    @MethodSource("cases")
    void theMpTableIsFoundAndReservedInTheMemoryMap(String format, Function<DebianKernel, Path> image, Vmm vmm)
            throws Exception {
        Environment.requireLinuxUserSpace();
        DebianKernel kernel = DebianKernel.fetch();
        LinuxMachine machine = LinuxMachine.of(image.apply(kernel), Initramfs.forJob(kernel, List.of(), JOB))
                .withCpus(2)
                .withoutAcpi();
        LinuxRun run = LinuxBoot.run(vmm, machine).assertJobPassedAndPoweredOff();

        assertEquals("0-1", run.value("cpus_online"), "both CPUs, from the MP table\n" + run);
        String found = run.value("mptable");
        assertTrue(found.startsWith("0x"), "Linux found the MP table\n" + run);
        long mpTable = Long.parseLong(found.substring(2), 16);
        String memmap = run.value("memmap");
        Matcher m = ENTRY.matcher(memmap);
        String holder = null;
        while (m.find()) {
            long start = Long.parseLong(m.group(1), 16);
            long end = Long.parseLong(m.group(2), 16); // inclusive in sysfs
            if (start <= mpTable && mpTable + 16 - 1 <= end) {
                holder = m.group(3);
            }
        }
        assertEquals("Reserved", holder, "the MP floating pointer at 0x" + Long.toHexString(mpTable)
                + " lies in a reserved entry of " + memmap + "\n" + run);
    }
}
