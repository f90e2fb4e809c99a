package io.kvmj.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a guest's CPUID shows: per-vCPU topology, and a Firecracker-style custom CPU template from the config. */
@Tag("kvm")
class CpuConfigTest {
    private static final Pattern CPUID = Pattern.compile(
            "cpuid: leaf=0x[0-9a-f]+ subleaf=0x[0-9a-f]+ eax=0x([0-9a-f]{8}) ebx=0x([0-9a-f]{8}) ecx=0x([0-9a-f]{8})");

    @TempDir
    Path dir;

    private long[] cpuid(String leaf, String cpuConfig) throws Exception {
        Path config = Files.writeString(dir.resolve("vm.json"), """
                {"boot-source": {"kernel_image_path": "%s", "boot_args": "leaf=%s"},
                 "machine-config": {"vcpu_count": 2, "mem_size_mib": 64},
                 "debug-exit": {"iobase": 244}, "serial": {"output": "stdout", "input": "none"}%s}
                """.formatted(Environment.guest("cpuid"), leaf, cpuConfig));
        GuestRun run = Kvmj.cli("run", config.toString());
        assertEquals(GuestRun.debugExitStatus(0), run.status(), run.toString());
        Matcher m = CPUID.matcher(run.serial());
        assertTrue(m.find(), run.toString());
        return new long[] {Long.parseLong(m.group(1), 16), Long.parseLong(m.group(2), 16),
            Long.parseLong(m.group(3), 16)};
    }

    @Test
    void kvmSignatureLeafAndTopologyAreThere() throws Exception {
        Environment.requireKvm();
        long[] hv = cpuid("0x40000000", "");
        assertEquals(0x4b4d564bL, hv[1], "KVMKVMKVM in ebx");
        long[] leaf1 = cpuid("1", "");
        assertEquals(2, (leaf1[1] >>> 16) & 0xff, "2 logical processors");
        assertTrue((leaf1[2] & (1L << 31)) != 0, "hypervisor bit");
    }

    @Test
    void customCpuTemplateForcesBits() throws Exception {
        Environment.requireKvm();
        long before = cpuid("0x40000001", "")[0];
        assertTrue((before & 1) != 0, "KVM_FEATURE_CLOCKSOURCE offered by default");
        String template = """
                , "cpu-config": {"cpuid_modifiers": [{"leaf": "0x40000001", "subleaf": "0x0", "flags": 0,
                   "modifiers": [{"register": "eax", "bitmap": "0bxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0"}]}]}""";
        long after = cpuid("0x40000001", template)[0];
        assertEquals(before & ~1L, after, "only bit 0 cleared");
    }
}
