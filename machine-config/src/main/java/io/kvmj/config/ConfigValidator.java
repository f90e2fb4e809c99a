package io.kvmj.config;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The single set of semantic checks, shared by config files and CLI flags: ranges, boot arguments, files.
 * Sections are checked in file order and the first problem is thrown.
 */
final class ConfigValidator {
    private ConfigValidator() {}

    /** @param baseDir directory relative paths are resolved against */
    static VmConfig validate(VmConfig config, Path baseDir) throws ConfigException {
        Path base = baseDir.toAbsolutePath().normalize();
        if (config.bootSource() == null) throw new ConfigException(Keys.BOOT_SOURCE, "required key missing");
        if (config.machine() == null) throw new ConfigException(Keys.MACHINE_CONFIG, "required key missing");
        return new VmConfig(
                bootSource(config.bootSource(), base),
                machine(config.machine()),
                debugExit(config.debugExit()),
                serial(config.serial(), base));
    }

    private static BootSource bootSource(BootSource boot, Path base) throws ConfigException {
        String kernelKey = Keys.path(Keys.BOOT_SOURCE, Keys.KERNEL_IMAGE_PATH);
        if (boot.kernelImagePath() == null) throw new ConfigException(kernelKey, "required key missing");
        Path kernel = PathChecks.readableFile(kernelKey, boot.kernelImagePath(), base);
        String bootArgs = boot.bootArgs() == null ? "" : boot.bootArgs();
        checkBootArgs(bootArgs);
        Path initrd = boot.initrdPath() == null ? null
                : PathChecks.readableFile(Keys.path(Keys.BOOT_SOURCE, Keys.INITRD_PATH), boot.initrdPath(), base);
        return new BootSource(kernel, bootArgs, initrd);
    }

    private static void checkBootArgs(String args) throws ConfigException {
        String key = Keys.path(Keys.BOOT_SOURCE, Keys.BOOT_ARGS);
        for (int i = 0; i < args.length(); i++) {
            char c = args.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new ConfigException(key, String.format(
                        "only printable ASCII is allowed (found U+%04X at index %d)", (int) c, i));
            }
        }
        int bytes = args.getBytes(StandardCharsets.US_ASCII).length;
        if (bytes > ConfigLimits.MAX_BOOT_ARGS_BYTES) {
            throw new ConfigException(key, "too long: " + bytes + " bytes (at most " + ConfigLimits.MAX_BOOT_ARGS_BYTES
                    + "; Linux COMMAND_LINE_SIZE is " + ConfigLimits.COMMAND_LINE_SIZE + " including the NUL)");
        }
    }

    private static MachineSpec machine(MachineSpec m) throws ConfigException {
        checkRange(Keys.path(Keys.MACHINE_CONFIG, Keys.VCPU_COUNT), m.vcpuCount(), 1, ConfigLimits.MAX_VCPUS, "");
        checkRange(Keys.path(Keys.MACHINE_CONFIG, Keys.MEM_SIZE_MIB), m.memSizeMib(), 1, ConfigLimits.MAX_MEM_MIB,
                " (1 TiB)");
        return m;
    }

    private static DebugExit debugExit(DebugExit d) throws ConfigException {
        if (d == null) return null;
        String key = Keys.path(Keys.DEBUG_EXIT, Keys.IOBASE);
        if (d.iobase() < 0 || d.iobase() > ConfigLimits.MAX_IO_PORT) {
            throw new ConfigException(key, String.format("must be an I/O port between 0 and 0x%x (got %d)",
                    ConfigLimits.MAX_IO_PORT, d.iobase()));
        }
        return d;
    }

    private static SerialConfig serial(SerialConfig serial, Path base) throws ConfigException {
        if (serial == null) return SerialConfig.defaults();
        String key = Keys.path(Keys.SERIAL, Keys.OUTPUT);
        SerialOutput output = switch (serial.output()) {
            case null -> new SerialOutput.Stdout();
            case SerialOutput.ToFile f -> new SerialOutput.ToFile(PathChecks.writableFileLocation(key, f.path(), base));
            case SerialOutput.Stdout s -> s;
            case SerialOutput.None n -> n;
        };
        return new SerialConfig(output, serial.stdinInput());
    }

    private static void checkRange(String key, long value, long min, long max, String maxNote) throws ConfigException {
        if (value < min) throw new ConfigException(key, "must be at least " + min + " (got " + value + ")");
        if (value > max) throw new ConfigException(key, "must be at most " + max + maxNote + " (got " + value + ")");
    }
}
