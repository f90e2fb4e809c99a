package io.kvmj.it.linux;

import io.kvmj.it.Environment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The VMMs a Linux guest test runs on: kvmj as a user runs it, and QEMU microvm as the reference. */
public enum Vmm {
    /** {@code java -jar kvmj-cli.jar run CONFIG.json} in a process of its own, with a config file from the kit. */
    KVMJ {
        @Override
        List<String> command(LinuxMachine machine, Path initrd, Path workDir, boolean stdinInput) throws IOException {
            Environment.require(Files.isRegularFile(Environment.CLI_JAR), "the kvmj CLI jar " + Environment.CLI_JAR
                    + " (./mvnw package)");
            Path config = Files.writeString(workDir.resolve("vm.json"),
                    FirecrackerConfig.json(machine, initrd, stdinInput));
            return List.of(Environment.java(), "--enable-native-access=ALL-UNNAMED", "-jar",
                    Environment.CLI_JAR.toString(), "run", config.toString());
        }
    },
    /** {@code qemu-system-x86_64 -M microvm,acpi=on}; skipped (failed under CI) without QEMU. */
    QEMU {
        @Override
        List<String> command(LinuxMachine machine, Path initrd, Path workDir, boolean stdinInput) {
            return QemuMicrovm.command(Environment.qemu(), machine, initrd);
        }
    };

    /**
     * The command that boots {@code machine}, console on stdout; files it needs go to {@code workDir}.
     * {@code stdinInput}: the guest console reads the process's stdin.
     */
    abstract List<String> command(LinuxMachine machine, Path initrd, Path workDir, boolean stdinInput)
            throws IOException;
}
