package io.kvmj.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Entry points for getting a validated {@link VmConfig}, from a JSON file (Firecracker's config-file format
 * plus kvmj's {@code debug-exit} and {@code serial} sections) or from CLI flags. Both go through the same
 * validation. Every failure is a {@link ConfigException} whose message is one line naming the key path.
 *
 * <p>Relative paths inside a config file ({@code kernel_image_path}, {@code initrd_path},
 * {@code drives[].path_on_host}, {@code serial.output}, a {@code cpu-config} template file) are resolved against
 * the directory containing the config file, so a config and its kernel can move together. Paths given as flags
 * are resolved against the current directory.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /** Reads, parses and validates a config file; relative paths in it resolve against its directory. */
    public static VmConfig load(Path file) throws ConfigException {
        Path abs = file.toAbsolutePath().normalize();
        return parse(JsonConfigReader.readFile(abs, "config file " + abs, "config file"), abs.getParent());
    }

    /** Parses and validates config text; relative paths in it resolve against {@code baseDir}. */
    public static VmConfig parse(String json, Path baseDir) throws ConfigException {
        VmConfig raw = ConfigFileMapper.toVmConfig(JsonConfigReader.read(json));
        return ConfigValidator.validate(raw, baseDir);
    }

    /**
     * Parses and validates config text that may still lack its {@code boot-source}, such as a machine assembled
     * resource by resource through an API: every section present gets the checks {@link #parse} gives it, with the
     * same messages. The result's {@link VmConfig#bootSource()} is null when the text has none; such a config is
     * not bootable, and {@link #parse} is what turns the finished text into one.
     */
    public static VmConfig parseIncomplete(String json, Path baseDir) throws ConfigException {
        VmConfig raw = ConfigFileMapper.toVmConfig(JsonConfigReader.readIncomplete(json));
        return ConfigValidator.validateIncomplete(raw, baseDir);
    }

    /**
     * Validates a config assembled in code. Relative paths resolve against {@code baseDir}. Missing optional
     * parts get their defaults ({@code bootArgs} "", {@code serial} stdout/stdin).
     */
    public static VmConfig validate(VmConfig unvalidated, Path baseDir) throws ConfigException {
        return ConfigValidator.validate(unvalidated, baseDir);
    }

    /** {@link #validate(VmConfig, Path)} with relative paths resolved against the current directory. */
    public static VmConfig validate(VmConfig unvalidated) throws ConfigException {
        return validate(unvalidated, currentDir());
    }

    /**
     * Builds and validates a config from CLI flags, with the same checks as a config file (errors name the
     * equivalent config key). Relative paths resolve against the current directory.
     *
     * @param initrd null for none
     * @param cmdline null for none
     * @param debugExitPort null for no isa-debug-exit device
     * @param acpi whether the guest gets ACPI tables
     */
    public static VmConfig fromFlags(Path kernel, Path initrd, String cmdline, long memMib, int cpus,
                                     Integer debugExitPort, boolean acpi) throws ConfigException {
        VmConfig raw = new VmConfig(
                new BootSource(kernel, cmdline == null ? "" : cmdline, initrd),
                new MachineSpec(cpus, memMib, false, false),
                debugExitPort == null ? null : new DebugExit(debugExitPort),
                SerialConfig.defaults(), List.of(), null, acpi, null);
        return validate(raw);
    }

    /** Writes a config file that {@link #parse} reads back to an equal config, and Firecracker accepts. */
    public static String toJson(VmConfig config) {
        return ConfigWriter.toJson(config);
    }

    /**
     * Loads and runs the JSON parser and the record binders once ahead of the first config: in a fresh JVM the
     * first use costs milliseconds of class loading and initialization, which a launcher can spend on another
     * thread while it parses its arguments. Parses and binds a config with every common section; nothing is
     * validated or read from disk.
     */
    public static void warmUp() {
        try {
            ConfigFileMapper.toVmConfig(JsonConfigReader.read(WARM_UP_CONFIG));
        } catch (ConfigException e) {
            throw new IllegalStateException("the warm-up config no longer binds: " + e.getMessage(), e);
        }
    }

    private static final String WARM_UP_CONFIG = """
            {"boot-source": {"kernel_image_path": "vmlinux", "boot_args": "console=ttyS0"},
             "machine-config": {"vcpu_count": 1, "mem_size_mib": 128},
             "drives": [{"drive_id": "rootfs", "path_on_host": "rootfs.ext4", "is_root_device": true,
                         "is_read_only": false}],
             "network-interfaces": [{"iface_id": "eth0", "host_dev_name": "tap0", "guest_mac": "06:00:ac:10:00:02"}],
             "entropy": {}}
            """;

    private static Path currentDir() {
        return Path.of("").toAbsolutePath();
    }
}
