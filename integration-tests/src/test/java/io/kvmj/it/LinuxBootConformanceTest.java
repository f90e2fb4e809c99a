package io.kvmj.it;

import io.kvmj.it.linux.DebianKernel;
import io.kvmj.it.linux.Initramfs;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Boots Debian's stock cloud kernel (a bzImage, fetched with apt and cached) with 2 vCPUs, a virtio-blk drive
 * and a virtio-rng device, and checks the kernel's own boot log: its e820 map matches the configured memory,
 * it lists our ACPI tables without checksum or parse errors, it counts the vCPUs from the MADT, and it echoes
 * the command line. On this project's PVM hosts the kernel runs emulated and stops long before user space
 * (see shared/docs/host-kvm.md), so the test waits for those lines only, then stops the VM. Where the KVM runs
 * Linux to user space, the kernel also gets an initramfs from the Linux guest kit whose job prints a marker and
 * powers off: the test then waits for kvmj to end with status 0 and checks the marker too.
 */
@Tag("kvm")
class LinuxBootConformanceTest {
    private static final long MEM_MIB = 512;
    private static final long TIMEOUT_SECONDS = 300;
    private static final String CMDLINE = "console=ttyS0 earlyprintk=serial noxsave kvmj.conformance=1";
    private static final Pattern E820 = Pattern.compile("BIOS-e820: \\[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\\] usable");
    private static final Pattern TABLE = Pattern.compile("ACPI: (RSDP|XSDT|FACP|DSDT|APIC) 0x");
    private static final String USER_SPACE = "kvmj-conformance: user space reached, cpus=";

    @TempDir
    Path dir;

    @Test
    void debianCloudKernelSeesOurMemoryAcpiTablesCpusAndCommandLine() throws Exception {
        Environment.requireKvm();
        DebianKernel kernel = DebianKernel.fetch();
        boolean userSpace = Environment.runsLinuxUserSpace();
        String initrd = userSpace ? "\"initrd_path\": \"%s\", ".formatted(Initramfs.forJob(kernel, List.of(),
                "echo \"" + USER_SPACE + "$(nproc)\"\n").build()) : "";
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[16 << 20]);
        Path config = Files.writeString(dir.resolve("linux.json"), """
                {"boot-source": {"kernel_image_path": "%s", %s"boot_args": "%s"},
                 "machine-config": {"vcpu_count": 2, "mem_size_mib": %d},
                 "drives": [{"drive_id": "root", "path_on_host": "%s", "is_root_device": true, "is_read_only": false}],
                 "entropy": {}, "serial": {"output": "stdout", "input": "none"}}
                """.formatted(kernel.bzImage(), initrd, CMDLINE, MEM_MIB, disk));
        Process vm = new ProcessBuilder(Environment.java(), "--enable-native-access=ALL-UNNAMED", "-jar",
                Environment.CLI_JAR.toString(), "run", config.toString()).redirectErrorStream(true).start();
        List<String> log = new ArrayList<>();
        Thread reader = Thread.ofPlatform().daemon(true).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(vm.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (log) {
                        log.add(line);
                        log.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the VM was stopped
            }
        });
        try {
            if (userSpace) {
                boolean ended = vm.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                reader.join(5000);
                assertTrue(ended, "the job powers the VM off within " + TIMEOUT_SECONDS + " s:\n" + text(log));
                assertEquals(0, vm.exitValue(), "kvmj's status after the job's poweroff -f:\n" + text(log));
            } else {
                waitFor(log, "smpboot: Allowing", TIMEOUT_SECONDS);
            }
        } finally {
            if (vm.isAlive()) {
                new ProcessBuilder("kill", "-INT", Long.toString(vm.pid())).start().waitFor();
                assertTrue(vm.waitFor(20, TimeUnit.SECONDS), "kvmj stops on SIGINT");
                reader.join(5000);
            }
        }
        String text = text(log);
        if (userSpace) {
            assertTrue(text.contains(USER_SPACE + "2"), "user space reached with 2 CPUs:\n" + text);
        }
        assertTrue(text.contains("Command line: " + CMDLINE), "command line echoed:\n" + text);
        long usable = 0;
        Matcher m = E820.matcher(text);
        while (m.find()) {
            usable += Long.parseUnsignedLong(m.group(2), 16) - Long.parseUnsignedLong(m.group(1), 16) + 1;
        }
        long legacyHole = 0x100000 - 0x9fc00; // 640 KiB - 1 MiB is not RAM on a PC
        assertEquals((MEM_MIB << 20) - legacyHole, usable, "e820 usable RAM = configured memory:\n" + text);
        List<String> tables = new ArrayList<>();
        Matcher t = TABLE.matcher(text);
        while (t.find()) {
            tables.add(t.group(1));
        }
        assertEquals(List.of("RSDP", "XSDT", "FACP", "DSDT", "APIC"), tables, text);
        for (String complaint : List.of("ACPI BIOS Error", "ACPI BIOS Warning", "ACPI Error", "ACPI Warning",
                "Incorrect checksum")) {
            assertFalse(text.contains(complaint), "no '" + complaint + "' in the boot log:\n" + text);
        }
        assertTrue(text.contains("smpboot: Allowing 2 CPUs"), "2 CPUs from the MADT:\n" + text);
        assertTrue(text.contains("Using ACPI (MADT) for SMP configuration"), text);
    }

    private static String text(List<String> log) {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    private static void waitFor(List<String> log, String marker, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (log) {
            while (log.stream().noneMatch(l -> l.contains(marker))) {
                long left = deadline - System.nanoTime();
                Assertions.assertTrue(left > 0, "no '" + marker + "' within " + seconds + " s:\n"
                        + String.join("\n", log));
                TimeUnit.NANOSECONDS.timedWait(log, left);
            }
        }
    }
}
