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

/**
 * The memory map the VMM hands Linux (the zero page's e820 table for a bzImage, the PVH start info's memmap for a
 * vmlinux) describes the EBDA's KiB below 640 KiB, where kvmj writes the MP table when ACPI is off, as reserved,
 * on kvmj as on QEMU microvm. Linux's own view: the firmware map in {@code /sys/firmware/memmap}. The machines
 * have ACPI: the map does not depend on it, and Debian's cloud kernel is built without CONFIG_X86_MPPARSE, so it
 * cannot read an MP table anyway (the guest {@code mptable}, in {@code MpTableGuestTest}, searches for the table
 * as the MP spec says and checks it against the map).
 */
@Tag("linux")
class LinuxMemoryMapTest {
    private static final String JOB = """
            echo "memmap=$(for d in /sys/firmware/memmap/*; do printf '%s-%s:%s;' $(cat $d/start) $(cat $d/end) "$(cat $d/type)"; done)"
            """;
    private static final long EBDA = 0x9fc00;
    private static final long EBDA_END = 0xa0000;
    private static final Pattern ENTRY = Pattern.compile("0x([0-9a-f]+)-0x([0-9a-f]+):([^;]+);");

    static Stream<Arguments> cases() {
        Function<DebianKernel, Path> bzImage = DebianKernel::bzImage;
        Function<DebianKernel, Path> vmlinux = DebianKernel::vmlinux;
        return Stream.of(Arguments.of("bzImage", bzImage, Vmm.KVMJ), Arguments.of("vmlinux (PVH)", vmlinux, Vmm.KVMJ),
                Arguments.of("bzImage", bzImage, Vmm.QEMU));
    }

    @ParameterizedTest(name = "{0} on {2}")
    @MethodSource("cases")
    void theEbdaWithTheMpTableIsReservedInLinuxsMemoryMap(String format, Function<DebianKernel, Path> image,
                                                           Vmm vmm) throws Exception {
        Environment.requireLinuxUserSpace();
        DebianKernel kernel = DebianKernel.fetch();
        LinuxMachine machine = LinuxMachine.of(image.apply(kernel), Initramfs.forJob(kernel, List.of(), JOB));
        LinuxRun run = LinuxBoot.run(vmm, machine).assertJobPassedAndPoweredOff();

        String memmap = run.value("memmap");
        Matcher m = ENTRY.matcher(memmap);
        String holder = null;
        while (m.find()) {
            long start = Long.parseLong(m.group(1), 16);
            long end = Long.parseLong(m.group(2), 16); // inclusive in sysfs
            if (start <= EBDA && EBDA_END - 1 <= end) {
                holder = m.group(3);
            }
        }
        assertEquals("Reserved", holder, "[0x9fc00, 0xa0000) lies in a reserved entry of " + memmap + "\n" + run);
    }
}
