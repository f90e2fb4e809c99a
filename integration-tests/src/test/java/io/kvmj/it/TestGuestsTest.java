package io.kvmj.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every test guest on kvmj and on QEMU microvm (the reference): same binary, same command line, same
 * expectations. A guest that fails on QEMU is a broken guest; one that fails only on kvmj is a kvmj bug.
 */
@Tag("kvm")
class TestGuestsTest {
    /** A guest run: what to boot and what its serial output must show besides "# pass N fail 0". */
    record Case(String guest, String cmdline, long memMib, int cpus, List<String> expected) {
        @Override
        public String toString() {
            return guest + " (" + memMib + " MiB, " + cpus + " vCPU" + (cpus > 1 ? "s" : "") + ")";
        }
    }

    enum Vmm { KVMJ, QEMU }

    static final List<Case> CASES = List.of(
            new Case("hello", "greeting=hi", 128, 1,
                    List.of("Hello from the kvmj test guest!", "cmdline: \"greeting=hi\"")),
            new Case("smp", "cpus=2", 128, 2, List.of("smp: 2 cpus online, apic ids: 0 1")),
            new Case("exits", "count=20000", 64, 1, List.of("exits: pio=20000 mmio=20000")));

    static Stream<Arguments> runs() {
        return Stream.of(Vmm.values()).flatMap(vmm -> CASES.stream().map(c -> Arguments.of(vmm, c)));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("runs")
    void guestPasses(Vmm vmm, Case c) throws Exception {
        GuestRun run = boot(vmm, Environment.guest(c.guest()), c.cmdline(), c.memMib(), c.cpus());
        assertTrue(run.passed(), run.toString());
        for (String line : c.expected()) {
            assertTrue(run.serial().contains(line), "expected '" + line + "' in\n" + run);
        }
    }

    /** The start-up benchmark's guest: its first instructions write 0 to isa-debug-exit, nothing else runs. */
    @ParameterizedTest(name = "first-instruction guest on {0}")
    @MethodSource("vmms")
    void firstInstructionGuestExitsAtOnce(Vmm vmm) throws Exception {
        GuestRun run = boot(vmm, Environment.guest("first"), "", 64, 1);
        assertEquals(GuestRun.debugExitStatus(0), run.status(), run.toString());
        assertEquals("", run.serial(), run.toString());
    }

    /** 3.5 GiB: RAM below the MMIO hole and above 4 GiB, every page written and checked by the guest. */
    @ParameterizedTest(name = "memory guest, 3584 MiB, on {0}")
    @MethodSource("vmms")
    void largeGuestHasRamOnBothSidesOfTheMmioHole(Vmm vmm) throws Exception {
        Path guest = Environment.guest("memory");
        GuestRun run = boot(vmm, guest, "", 3584, 1);
        assertTrue(run.passed(), run.toString());
        Matcher m = Pattern.compile("memory: below4g=(\\d+) above4g=(\\d+)").matcher(run.serial());
        assertTrue(m.find(), run.toString());
        long below = Long.parseLong(m.group(1));
        long above = Long.parseLong(m.group(2));
        assertTrue(above > 0, "RAM above 4 GiB: " + run);
        assertTrue(below + above <= 3584 && below + above >= 3584 - 1, "all configured RAM is reported: " + run);
    }

    private static GuestRun boot(Vmm vmm, Path guest, String cmdline, long memMib, int cpus) throws Exception {
        if (vmm == Vmm.KVMJ) {
            Environment.requireKvm();
            return Kvmj.inProcess(guest, cmdline, memMib, cpus);
        }
        return Qemu.run(guest, cmdline, memMib, cpus);
    }

    static Stream<Vmm> vmms() {
        return Stream.of(Vmm.values());
    }
}
