package io.kvmj.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.function.Executable;

/** Shared fixtures: a config dir with a kernel in it, and the one-line error contract. */
final class ConfigAssertions {
    static final String MINIMAL_BOOT = "\"boot-source\": {\"kernel_image_path\": \"vmlinux\"}";
    static final String MINIMAL_MACHINE = "\"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 128}";

    private ConfigAssertions() {}

    /** A non-empty fake kernel named {@code vmlinux} (and {@code initrd.img}) in {@code dir}. */
    /** A file with a minimal boot-source and the given machine-config body. */
    static String withMachine(String machineBody) {
        return "{" + MINIMAL_BOOT + ", \"machine-config\": {" + machineBody + "}}";
    }

    /** A file with a minimal machine-config and the given boot-source body. */
    static String withBoot(String bootBody) {
        return "{\"boot-source\": {" + bootBody + "}, " + MINIMAL_MACHINE + "}";
    }

    static void createKernel(Path dir) throws IOException {
        Files.write(dir.resolve("vmlinux"), new byte[] {0x7f, 'E', 'L', 'F'});
        Files.write(dir.resolve("initrd.img"), new byte[] {1, 2, 3});
    }

    /** Minimal valid file plus {@code extraTopLevel} (a JSON fragment starting with a comma, or ""). */
    static String minimalWith(String extraTopLevel) {
        return "{" + MINIMAL_BOOT + ", " + MINIMAL_MACHINE + extraTopLevel + "}";
    }

    /** Parses {@code json} against {@code dir} and expects exactly one line starting with {@code keyPath: }. */
    static String assertError(String json, Path dir, String keyPath, String fragment) {
        return assertErrorFrom(() -> ConfigLoader.parse(json, dir), keyPath + ": ", fragment);
    }

    /** Expects a ConfigException whose one-line message starts with {@code prefix} and contains {@code fragment}. */
    static String assertErrorFrom(Executable call, String prefix, String fragment) {
        ConfigException e = assertThrows(ConfigException.class, call);
        String msg = e.getMessage();
        assertFalse(msg.contains("\n") || msg.contains("\r"), () -> "not one line: " + msg);
        assertTrue(msg.startsWith(prefix), () -> "expected prefix '" + prefix + "' in: " + msg);
        assertTrue(msg.contains(fragment), () -> "expected '" + fragment + "' in: " + msg);
        assertFalse(msg.contains("com.fasterxml") || msg.contains("io.kvmj"), () -> "leaks Java types: " + msg);
        return msg;
    }
}
