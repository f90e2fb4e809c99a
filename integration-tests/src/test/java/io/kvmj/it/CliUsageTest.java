package io.kvmj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The kvmj command's answers that need no KVM: usage errors, bad config files and bad kernels get status 2
 * and one line on stderr before any VM exists (so also on a host without /dev/kvm); help and version.
 */
class CliUsageTest {
    @TempDir
    static Path dir;
    static Path hello;

    @BeforeAll
    static void setUp() {
        hello = Environment.guest("hello");
    }

    static Stream<Arguments> badInvocations() throws IOException {
        Path notElf = Files.writeString(dir.resolve("not-a-kernel"), "just text, not an ELF file\n".repeat(10));
        Path config = dir.resolve("c.json");
        return Stream.of(
                Arguments.of(new String[] {"run"}, "--config FILE"),
                Arguments.of(new String[] {"run", "--kernel", "/nonexistent/vmlinux"}, "file not found"),
                Arguments.of(new String[] {"run", "--kernel", notElf.toString()}, "not a kernel: neither an ELF vmlinux nor a bzImage"),
                Arguments.of(new String[] {"run", "--kernel", hello.toString(), "--mem", "0"}, "memory size"),
                Arguments.of(new String[] {"run", "--kernel", hello.toString(), "--mem", "lots"}, "memory size"),
                Arguments.of(new String[] {"run", "--kernel", hello.toString(), "--cpus", "0"}, "vcpu_count"),
                Arguments.of(new String[] {"run", "--kernel", hello.toString(), "--cpus", "two"}, "--cpus"),
                Arguments.of(new String[] {"run", "--kernel", hello.toString(), "--debug-exit=port"}, "--debug-exit"),
                Arguments.of(new String[] {"run", "--kernel", hello.toString(), "--bogus"}, "--bogus"),
                Arguments.of(new String[] {"run", "--kernel", hello.toString(), "--on-reset", "reboot"}, "--on-reset"),
                Arguments.of(new String[] {"run", "--config", config.toString(), "--cpus", "2"}, "cannot be combined"),
                Arguments.of(new String[] {"run", "--config", "/nonexistent.json"}, "/nonexistent.json"),
                Arguments.of(new String[] {"run", "/nonexistent.json"}, "/nonexistent.json"),
                Arguments.of(new String[] {"run", "a.json", "--config", "b.json"}, "either CONFIG or --config"),
                Arguments.of(new String[] {"frobnicate"}, "frobnicate"));
    }

    @ParameterizedTest
    @MethodSource("badInvocations")
    void badFlagsGiveUsageStatusAndAClearMessage(String[] args, String expected) throws Exception {
        GuestRun run = Kvmj.cli(args);
        assertEquals(2, run.status(), run.toString());
        assertTrue(run.stderr().contains(expected), "stderr should mention '" + expected + "': " + run.stderr());
        assertFalse(run.stderr().contains("Exception"), "no stack trace: " + run.stderr());
        assertEquals(1, run.stderr().strip().lines().count(), "one line, no usage dump: " + run.stderr());
    }

    static Stream<Arguments> badConfigs() {
        String kernel = "\"kernel_image_path\": \"" + (hello == null ? "x" : hello) + "\"";
        return Stream.of(
                Arguments.of("{", "malformed JSON"),
                Arguments.of("{\"boot-source\": {" + kernel + "},"
                        + " \"balloon\": {\"amount_mib\": 64, \"deflate_on_oom\": true}}", "balloon: memory balloon devices are not"),
                Arguments.of("{\"boot-source\": {" + kernel + "}, \"machine-config\": {\"vcpu_count\": 1, "
                        + "\"mem_size_mib\": 0}}", "machine-config.mem_size_mib"),
                Arguments.of("{\"boot-source\": {" + kernel + "}, \"machine-config\": {\"vcpu_count\": \"1\", "
                        + "\"mem_size_mib\": 64}}", "machine-config.vcpu_count"),
                Arguments.of("{\"boot-source\": {" + kernel + "}, \"machine-config\": {\"vcpu_count\": 3, "
                        + "\"mem_size_mib\": 64, \"smt\": true}}", "machine-config.vcpu_count: must be 1 or an even"
                        + " number when machine-config.smt is true"),
                Arguments.of("{\"boot-source\": {" + kernel + "}, \"machine-config\": {\"vcpus\": 1, "
                        + "\"mem_size_mib\": 64}}", "unknown key \"vcpus\""),
                Arguments.of("{\"boot-source\": {\"kernel_image_path\": \"missing.elf\"}, \"machine-config\": "
                        + "{\"vcpu_count\": 1, \"mem_size_mib\": 64}}", "boot-source.kernel_image_path"),
                Arguments.of("{\"boot-source\": {" + kernel + "}, \"machine-config\": {\"vcpu_count\": 1, "
                        + "\"mem_size_mib\": 64}, \"debug-exit\": {\"iobase\": 70000}}", "debug-exit.iobase"),
                Arguments.of("{\"boot-source\": {" + kernel + "}, \"machine-config\": {\"vcpu_count\": 1, "
                        + "\"mem_size_mib\": 64}, \"drives\": [{\"drive_id\": \"root\"}]}", "drives"));
    }

    @ParameterizedTest
    @MethodSource("badConfigs")
    void badConfigFilesFailRunAndValidateWithOneLine(String json, String expected) throws Exception {
        Path config = Files.writeString(Files.createTempFile(dir, "bad", ".json"), json);
        for (String command : new String[] {"run", "validate"}) {
            GuestRun run = command.equals("run") ? Kvmj.cli("run", "--config", config.toString())
                    : Kvmj.cli("validate", config.toString());
            assertEquals(2, run.status(), command + ": " + run);
            String err = run.stderr().strip();
            assertTrue(err.contains(expected), command + " should mention '" + expected + "': " + err);
            assertEquals(1, err.lines().count(), "one line: " + err);
        }
    }

    /**
     * A bzImage whose setup header passes kvmj's checks (boot protocol 2.12, 64-bit entry, cmdline_size 2047) and
     * whose 16-byte kernel never runs: enough for what is decided before KVM.
     */
    private static Path tinyBzImage() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(5 * 512 + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) 4).putInt(0x1f4, 1).putShort(0x1fe, (short) 0xaa55).put(0x201, (byte) (0x264 - 0x202));
        b.putInt(0x202, 0x53726448).putShort(0x206, (short) 0x020c).put(0x211, (byte) 1);
        b.putInt(0x230, 0x200000).put(0x234, (byte) 1).putShort(0x236, (short) 1).putInt(0x238, 2047);
        b.putLong(0x258, 0x1000000).putInt(0x260, 0x1000);
        return Files.write(dir.resolve("vmlinuz"), b.array());
    }

    /**
     * Linux's x86 COMMAND_LINE_SIZE is 2048 with the NUL: a longer line is refused in one line, status 2, before KVM
     * (so also here, without /dev/kvm), on each boot path: PVH ELF, ELF without PVH note, bzImage; by validate too.
     */
    @Test
    void aCommandLineLongerThanLinuxTakesIsRefusedOnEveryBootPath() throws Exception {
        String tooLong = "x".repeat(3000);
        String expected = "kvmj: kernel command line too long: 3000 bytes, the kernel takes at most 2047 "
                + "(x86 COMMAND_LINE_SIZE)";
        for (Path kernel : List.of(hello, Environment.guest("bootparams"), tinyBzImage())) {
            GuestRun run = Kvmj.cli("run", "--kernel", kernel.toString(), "--cmdline", tooLong);
            assertEquals(2, run.status(), kernel + ": " + run);
            assertEquals(expected, run.stderr().strip(), kernel + ": one line");

            Path config = Files.writeString(dir.resolve("long.json"), "{\"boot-source\": {\"kernel_image_path\": \""
                    + kernel + "\", \"boot_args\": \"" + tooLong + "\"}, \"machine-config\": {\"vcpu_count\": 1, "
                    + "\"mem_size_mib\": 64}}");
            GuestRun validate = Kvmj.cli("validate", config.toString());
            assertEquals(2, validate.status(), kernel + ": " + validate);
            assertEquals(expected, validate.stderr().strip(), kernel + ": validate, one line");
        }
        GuestRun fits = Kvmj.cli("validate", Files.writeString(dir.resolve("fits.json"), "{\"boot-source\": "
                + "{\"kernel_image_path\": \"" + Environment.guest("bootparams") + "\", \"boot_args\": \""
                + "x".repeat(2047) + "\"}, \"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 64}}").toString());
        assertEquals(0, fits.status(), "2047 bytes fit: " + fits);
    }

    /** A valid machine-config around {@code extra} sections, booting {@code kernel}. */
    private static String config(Path kernel, String machineExtra, String extra) {
        return "{\"boot-source\": {\"kernel_image_path\": \"" + kernel + "\"}, \"machine-config\": {\"vcpu_count\": 1, "
                + "\"mem_size_mib\": 64" + machineExtra + "}" + extra + "}";
    }

    static Stream<Arguments> machinesThatCannotBeBuilt() throws IOException {
        Path notElf = Files.writeString(dir.resolve("kernel.txt"), "just text, not an ELF file\n".repeat(10));
        Path disk = Files.write(dir.resolve("disk.img"), new byte[4096]);
        StringBuilder drives = new StringBuilder(", \"drives\": [");
        for (int i = 0; i < 20; i++) {
            drives.append(i == 0 ? "" : ", ").append("{\"drive_id\": \"d").append(i).append("\", \"path_on_host\": \"")
                    .append(disk).append("\", \"is_root_device\": false, \"is_read_only\": true}");
        }
        drives.append("]");
        return Stream.of(
                Arguments.of(config(notElf, "", ""), notElf + ": not a kernel: neither an ELF vmlinux nor a bzImage"),
                Arguments.of(config(hello, "", ", \"debug-exit\": {\"iobase\": \"0x3f8\"}"),
                        "debug-exit (ports 0x3f8-0x3fb) overlaps COM1 (ports 0x3f8-0x3ff)"),
                Arguments.of(config(hello, "", ", \"debug-exit\": {\"iobase\": \"0x62\"}"),
                        "debug-exit (ports 0x62-0x65) overlaps the i8042 controller (ports 0x60-0x64)"),
                Arguments.of(config(hello, "", ", \"debug-exit\": {\"iobase\": \"0xcf9\"}"),
                        "debug-exit (ports 0xcf9-0xcfc) overlaps the reset control register (ports 0xcf9-0xcf9)"),
                Arguments.of(config(hello, "", ", \"debug-exit\": {\"iobase\": \"0x600\"}"),
                        "debug-exit (ports 0x600-0x603) overlaps the ACPI power ports (ports 0x600-0x603)"),
                Arguments.of(config(hello, "", ", \"debug-exit\": {\"iobase\": \"0xfffe\"}"),
                        "debug-exit (ports 0xfffe-0x10001) runs past the last I/O port 0xffff"),
                Arguments.of(config(hello, "", drives.toString()), "too many virtio devices: 20, at most 19 (one "
                        + "interrupt line each, GSIs 5-23); drive d19 has none left"));
    }

    /**
     * One truth: what {@code run} refuses before it opens KVM, {@code validate} refuses too, with the same line
     * and status 2, on a host without KVM as on one with it.
     */
    @ParameterizedTest
    @MethodSource("machinesThatCannotBeBuilt")
    void machinesThatCannotBeBuiltFailValidateAndRunWithTheSameLine(String json, String expected) throws Exception {
        Path config = Files.writeString(Files.createTempFile(dir, "machine", ".json"), json);
        GuestRun validate = Kvmj.cli("validate", config.toString());
        GuestRun run = Kvmj.cli("run", "--config", config.toString());
        assertEquals(2, validate.status(), "validate: " + validate);
        assertEquals(2, run.status(), "run: " + run);
        assertEquals("kvmj: " + expected, validate.stderr().strip());
        assertEquals(validate.stderr(), run.stderr());
    }

    /** As Firecracker: an image that is not whole sectors is used, with one warning line naming the lost bytes. */
    @Test
    void validateWarnsOfAnImageThatIsNotWholeSectors() throws Exception {
        Path ragged = Files.write(dir.resolve("ragged.img"), new byte[1000]);
        Path config = Files.writeString(Files.createTempFile(dir, "ragged", ".json"), config(hello, "",
                ", \"drives\": [{\"drive_id\": \"r\", \"path_on_host\": \"" + ragged + "\", "
                + "\"is_root_device\": false, \"is_read_only\": true}]"));
        GuestRun validate = Kvmj.cli("validate", config.toString());
        assertEquals(0, validate.status(), validate.toString());
        assertEquals("kvmj: warning: drive r: " + ragged + " is 1000 bytes, not a multiple of the 512-byte sector; "
                + "the guest sees 1 sector and not the last 488 bytes", validate.stderr().strip());
    }

    @Test
    void debugExitOverCom1FromFlagsIsAUsageErrorBeforeKvm() throws Exception {
        GuestRun run = Kvmj.cli("run", "--kernel", hello.toString(), "--debug-exit=0x3f8");
        assertEquals(2, run.status(), run.toString());
        assertEquals("kvmj: debug-exit (ports 0x3f8-0x3fb) overlaps COM1 (ports 0x3f8-0x3ff)", run.stderr().strip());
    }

    /** The README's first command on a host without KVM: one line saying so, and where to get one. */
    @Test
    void withoutKvmRunSaysSoInOneLineAndHowToGetOne() throws Exception {
        assumeFalse(Files.exists(Environment.KVM), "this host has " + Environment.KVM);
        GuestRun run = Kvmj.cli("run", Environment.EXAMPLES.resolve("hello.json").toString());
        assertEquals(4, run.status(), run.toString());
        String err = run.stderr().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.contains("/dev/kvm does not exist") && err.contains("nested virtualization")
                && err.contains("scripts/nested-kvm.sh"), err);
    }

    @Test
    void validateAcceptsTheExample() throws Exception {
        GuestRun run = Kvmj.cli("validate", Environment.EXAMPLES.resolve("hello.json").toString());
        assertEquals(0, run.status(), run.toString());
    }

    @Test
    void versionAndHelp() throws Exception {
        assertTrue(Kvmj.cli("--version").serial().startsWith("kvmj "));
        GuestRun help = Kvmj.cli("run", "--help");
        assertEquals(0, help.status());
        assertTrue(help.serial().contains("--debug-exit"));
    }
}
