package io.kvmj.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without ACPI, the mptable guest finds the MP table where the MP spec says to look, checks its checksums and
 * processor entries, and checks that the memory map (PVH memmap) describes it as reserved and not as RAM; on kvmj
 * and on QEMU microvm with {@code acpi=off}.
 */
@Tag("kvm")
class MpTableGuestTest {
    @ParameterizedTest(name = "{0} vCPUs")
    @ValueSource(ints = {1, 3})
    void kvmjDescribesItsMpTableAsReserved(int cpus) throws Exception {
        Environment.requireKvm();
        GuestRun run = Kvmj.inProcess(Environment.guest("mptable"), "cpus=" + cpus, 64, cpus, List.of(), false);
        assertTrue(run.passed(), run.toString());
        assertTrue(run.serial().contains("mptable: " + cpus + " processors, 1 bootstrap"), run.toString());
    }

    @ParameterizedTest(name = "{0} vCPUs")
    @ValueSource(ints = {3})
    void qemuPassesTheSameGuest(int cpus) throws Exception {
        GuestRun run = Qemu.run(Environment.guest("mptable"), "cpus=" + cpus, 64, cpus, false, List.of());
        assertTrue(run.passed(), run.toString());
    }
}
