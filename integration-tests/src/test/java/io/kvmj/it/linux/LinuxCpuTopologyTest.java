package io.kvmj.it.linux;

import io.kvmj.it.Environment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Linux's own view of the CPU topology kvmj gives it, from sysfs: one package and one die, {@code n} cores
 * without SMT, {@code n / 2} cores of two threads (vCPUs 2k and 2k+1) with {@code smt: true}, SMT active only
 * then, whatever the host's own core count. This covers the host's vendor (in the nested machine, AMD
 * EPYC-Rome: 0x8000_0008 and 0x8000_001E, as QEMU's EPYC models have no leaf 0xB); Intel's leaves are covered
 * by the unit tests.
 *
 * <p>QEMU microvm with {@code -smp n,sockets=1,cores=..,threads=..} is the reference for a subset of the cases
 * (an odd core count, and SMT with an odd core count), not all, to keep the nested machine's boots down.
 */
@Tag("linux")
class LinuxCpuTopologyTest {
    /** One line per CPU, then whether the scheduler sees SMT; all printed at once, parsed here. */
    private static final String JOB = """
            echo "online=$(cat /sys/devices/system/cpu/online)"
            echo "smt_active=$(cat /sys/devices/system/cpu/smt/active)"
            for d in /sys/devices/system/cpu/cpu[0-9]*; do
                t=$d/topology
                echo "cpu=${d##*cpu} package=$(cat $t/physical_package_id) die=$(cat $t/die_id)\
             core=$(cat $t/core_id) threads=$(cat $t/thread_siblings_list) core_cpus=$(cat $t/core_cpus_list)"
            done
            """;

    record Case(int cpus, boolean smt) {
        int threadsPerCore() {
            return smt && cpus > 1 ? 2 : 1;
        }

        @Override
        public String toString() {
            return cpus + " vCPU" + (cpus > 1 ? "s" : "") + (smt ? " with SMT" : "");
        }
    }

    static Stream<Arguments> cases() {
        Stream<Arguments> kvmj = Stream.concat(IntStream.rangeClosed(1, 8).mapToObj(n -> new Case(n, false)),
                        IntStream.of(2, 4, 6, 8).mapToObj(n -> new Case(n, true)))
                .map(c -> Arguments.of(c, Vmm.KVMJ));
        Stream<Arguments> reference = Stream.of(new Case(3, false), new Case(6, true))
                .map(c -> Arguments.of(c, Vmm.QEMU));
        return Stream.concat(kvmj, reference);
    }

    /** What Linux printed for one CPU. */
    record CpuView(int cpu, String pkg, String die, int core, String threads, String coreCpus) {
        static CpuView parse(String line) {
            Map<String, String> v = new HashMap<>();
            for (String field : line.trim().split("\\s+")) {
                int eq = field.indexOf('=');
                v.put(field.substring(0, eq), field.substring(eq + 1));
            }
            return new CpuView(Integer.parseInt(v.get("cpu")), v.get("package"), v.get("die"),
                    Integer.parseInt(v.get("core")), v.get("threads"), v.get("core_cpus"));
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void linuxSeesOnePackageOfTheConfiguredCoresAndThreads(Case c, Vmm vmm) throws Exception {
        Environment.requireLinuxUserSpace();
        DebianKernel kernel = DebianKernel.fetch();
        LinuxMachine machine = LinuxMachine.of(kernel.bzImage(), Initramfs.forJob(kernel, List.of(), JOB))
                .withCpus(c.cpus()).withSmt(c.smt());

        LinuxRun run = LinuxBoot.run(vmm, machine).assertJobPassedAndPoweredOff();

        assertEquals(c.cpus() == 1 ? "0" : "0-" + (c.cpus() - 1), run.value("online"), run.toString());
        assertEquals(c.threadsPerCore() > 1 ? "1" : "0", run.value("smt_active"), run.toString());
        List<CpuView> cpus = new ArrayList<>();
        for (String line : run.jobOutput().split("\n")) {
            if (line.startsWith("cpu=")) {
                cpus.add(CpuView.parse(line));
            }
        }
        cpus.sort((a, b) -> Integer.compare(a.cpu(), b.cpu()));
        assertEquals(IntStream.range(0, c.cpus()).boxed().toList(), cpus.stream().map(CpuView::cpu).toList(),
                run.toString());
        int threads = c.threadsPerCore();
        Map<Integer, Set<Integer>> cpusOfCore = new HashMap<>();
        for (CpuView cpu : cpus) {
            String at = "cpu" + cpu.cpu() + ": " + cpu + "\n" + run;
            assertEquals("0", cpu.pkg(), at);
            assertEquals("0", cpu.die(), at);
            int first = cpu.cpu() - cpu.cpu() % threads;
            String siblings = threads == 1 ? Integer.toString(cpu.cpu()) : first + "-" + (first + 1);
            assertEquals(siblings, cpu.threads(), at);
            assertEquals(siblings, cpu.coreCpus(), at);
            if (vmm == Vmm.KVMJ) {
                assertEquals(cpu.cpu() / threads, cpu.core(), "Firecracker's numbering: " + at);
            }
            cpusOfCore.computeIfAbsent(cpu.core(), k -> new TreeSet<>()).add(cpu.cpu());
        }
        assertEquals(c.cpus() / threads, cpusOfCore.size(), "cores " + cpusOfCore + "\n" + run);
    }
}
