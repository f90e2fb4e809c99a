package io.kvmj.it.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scripts/linux-initramfs.sh, the README's way to an initramfs for a stock kernel with modules: what it packs
 * (the named modules, what they depend on, virtio_mmio) and the /init it writes. No KVM needed; booting such an
 * initramfs is what the Linux tests do with the kit's own builder.
 */
class LinuxInitramfsScriptTest {
    @TempDir
    Path dir;

    /** Runs the script with {@code options}, then the output file, then {@code modules}; returns the archive. */
    private Map<String, CpioReader.Entry> build(List<String> options, String... modules) throws Exception {
        DebianKernel kernel = DebianKernel.fetch();
        Path out = dir.resolve("initrd.img");
        List<String> command = new ArrayList<>(List.of("bash",
                DebianKernel.repositoryRoot().resolve("scripts/linux-initramfs.sh").toString(),
                "--kernel-dir", kernel.bzImage().getParent().getParent().toString()));
        command.addAll(options);
        command.add(out.toString());
        command.addAll(List.of(modules));
        HostCommand.check(command);
        return CpioReader.read(Files.readAllBytes(out)).stream()
                .collect(Collectors.toMap(CpioReader.Entry::name, Function.identity()));
    }

    @Test
    void packsTheModulesWithWhatTheyDependOnAndLoadsThemAtBoot() throws Exception {
        Map<String, CpioReader.Entry> files = build(List.of(), "virtio_net", "vmw_vsock_virtio_transport");
        List<String> modules = files.keySet().stream().filter(n -> n.endsWith(".ko"))
                .map(n -> n.substring(n.lastIndexOf('/') + 1)).sorted().toList();
        assertEquals(List.of("failover.ko", "net_failover.ko", "virtio.ko", "virtio_mmio.ko", "virtio_net.ko",
                "virtio_ring.ko", "vmw_vsock_virtio_transport.ko", "vmw_vsock_virtio_transport_common.ko", "vsock.ko"),
                modules);
        String init = new String(files.get("init").data());
        assertTrue(init.contains("modprobe -a virtio_mmio virtio_net vmw_vsock_virtio_transport"), init);
        assertTrue(init.contains("exec setsid cttyhack sh"), init);
        assertArrayEquals(Files.readAllBytes(Initramfs.BUSYBOX), files.get("bin/busybox").data());
    }

    @Test
    void runsAScriptAndAddsProgramsWhenAsked() throws Exception {
        Path job = Files.writeString(dir.resolve("job.sh"), "echo hello\n");
        Path program = Files.writeString(dir.resolve("tool"), "#!/bin/sh\n");
        Map<String, CpioReader.Entry> files = build(List.of("--run", job.toString(), "--add", program.toString()));
        String init = new String(files.get("init").data());
        assertTrue(init.contains("sh /run.sh\npoweroff -f"), init);
        assertEquals("echo hello\n", new String(files.get("run.sh").data()));
        assertTrue(files.containsKey("bin/tool"));
    }

    @Test
    void helpPrintsTheUsageAndAnUnknownOptionPointsToIt() throws Exception {
        String script = DebianKernel.repositoryRoot().resolve("scripts/linux-initramfs.sh").toString();
        HostCommand help = HostCommand.run(List.of("bash", script, "--help"));
        assertEquals(0, help.status(), help.stderr());
        assertTrue(new String(help.stdout()).contains("[--run SCRIPT] [--add FILE]... OUT.img [MODULE]..."));
        HostCommand bad = HostCommand.run(List.of("bash", script, "--bogus"));
        assertEquals(1, bad.status());
        assertEquals("linux-initramfs: unknown option --bogus (see " + script + " --help)", bad.stderr().strip());
    }
}
