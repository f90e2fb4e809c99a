package io.kvmj.it;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the end-to-end tests need from the host. Missing pieces skip a test with the reason, except under CI
 * (CI=true), where they fail it: CI installs everything, so a skip there would hide a broken setup.
 */
public final class Environment {
    static final Path KVM = Path.of("/dev/kvm");
    /** Present when the host's KVM is PVM-based. */
    static final Path PVM_MODULE = Path.of("/sys/module/kvm_pvm");
    static final Path GUESTS = Path.of("target", "guests").toAbsolutePath();
    public static final Path CLI_JAR = Path.of("..", "cli", "target", "kvmj-cli.jar").toAbsolutePath().normalize();
    static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();
    /** The JVM options ./kvmj runs the CLI with. */
    static final Path JAVA_OPTIONS = Path.of("..", "scripts", "kvmj-java-options").toAbsolutePath().normalize();

    private Environment() {
    }

    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips the running test because {@code what} is missing, or fails it under CI. */
    public static void require(boolean present, String what) {
        if (ci()) {
            Assertions.assertTrue(present, what + " is required under CI");
        } else {
            Assumptions.assumeTrue(present, what + " is not available; skipping");
        }
    }

    static void requireKvm() {
        require(kvmUsable(), KVM + " (read/write)");
    }

    private static boolean kvmUsable() {
        return Files.isReadable(KVM) && Files.isWritable(KVM);
    }

    /**
     * A KVM that runs Linux to user space: any but a PVM-based one (guest CPL0 code emulated there, and Linux
     * stops before user space, see shared/docs/host-kvm.md). scripts/test.sh runs the tests that need it in
     * the nested machine (scripts/nested-kvm.sh) on hosts without one.
     */
    public static void requireLinuxUserSpace() {
        require(runsLinuxUserSpace(), KVM + " on hardware virtualization (not PVM; scripts/nested-kvm.sh gives one)");
    }

    /** Whether this host's KVM runs Linux to user space (see {@link #requireLinuxUserSpace()}). */
    public static boolean runsLinuxUserSpace() {
        return kvmUsable() && !Files.isDirectory(PVM_MODULE);
    }

    public static Path qemu() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "qemu-system-x86_64");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        require(false, "qemu-system-x86_64 (apt-get install qemu-system-x86)");
        return null;
    }

    /** A static Linux program from guests/linux, for the Linux guest tests' initramfs. */
    public static Path linuxProgram(String name) {
        Path p = GUESTS.resolve("linux").resolve(name);
        Assertions.assertTrue(Files.isRegularFile(p), "Linux test program not built: " + p);
        return p;
    }

    static Path guest(String name) {
        Path p = GUESTS.resolve(name + ".elf");
        Assertions.assertTrue(Files.isRegularFile(p), "test guest not built: " + p);
        return p;
    }

    /** The java binary running the tests: a JDK >= 25, as the CLI needs. */
    public static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
