package io.kvmj.config;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.math.BigInteger;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the raw {@link ConfigFileJson} into an unvalidated {@link VmConfig}: fills defaults and interprets
 * values whose JSON form needs decoding (strings naming paths or modes, "0xf4"). Range and file checks are
 * left to {@link ConfigValidator}, which also serves configs built from CLI flags.
 */
final class ConfigFileMapper {
    /** Firecracker's machine when its config file has no {@code machine-config} ({@code MachineConfig::default}). */
    private static final MachineSpec FIRECRACKER_DEFAULT_MACHINE = new MachineSpec(1, 128, false, false);

    private static final String CACHE_UNSAFE = "Unsafe";
    private static final String CACHE_WRITEBACK = "Writeback";
    static final String ON_RESET_EXIT = "exit";
    static final String ON_RESET_RESTART = "restart";

    /** "0xf4" (hex) or "244" (decimal); ASCII digits only. */
    private static final Pattern PORT = Pattern.compile("0[xX]([0-9a-fA-F]+)|([0-9]+)");

    private ConfigFileMapper() {}

    static VmConfig toVmConfig(ConfigFileJson.Root root) throws ConfigException {
        BootSource boot = bootSource(root.bootSource());
        List<DriveConfig> drives = drives(root.drives());
        return new VmConfig(boot, machine(root.machine()), debugExit(root.debugExit()), serial(root.serial()),
                drives, entropy(root.entropy()), root.acpi() == null || root.acpi().enabled() == null
                        || root.acpi().enabled(), CpuConfigMapper.fromConfig(root.cpuConfig()),
                restartOnReset(root.onReset()), vsock(root.vsock()), networkInterfaces(root.networkInterfaces()));
    }

    /** kvmj's {@code "on-reset"}: {@code "exit"} (the default) or {@code "restart"}. */
    private static boolean restartOnReset(String onReset) throws ConfigException {
        if (onReset == null || onReset.equals(ON_RESET_EXIT)) return false;
        if (onReset.equals(ON_RESET_RESTART)) return true;
        throw new ConfigException(Keys.ON_RESET, "must be \"" + ON_RESET_EXIT + "\" or \"" + ON_RESET_RESTART
                + "\" (got " + quote(onReset) + ")");
    }

    /** Null for null: an {@linkplain JsonConfigReader#readIncomplete incomplete} config has no boot source yet. */
    private static BootSource bootSource(ConfigFileJson.BootSourceJson json) throws ConfigException {
        if (json == null) return null;
        String section = Keys.BOOT_SOURCE;
        return new BootSource(
                path(Keys.path(section, Keys.KERNEL_IMAGE_PATH), json.kernelImagePath()),
                json.bootArgs() == null ? "" : json.bootArgs(),
                json.initrdPath() == null ? null : path(Keys.path(section, Keys.INITRD_PATH), json.initrdPath()));
    }

    private static MachineSpec machine(ConfigFileJson.MachineJson json) {
        if (json == null) return FIRECRACKER_DEFAULT_MACHINE;
        return new MachineSpec(json.vcpuCount(), json.memSizeMib(), Boolean.TRUE.equals(json.smt()),
                Boolean.TRUE.equals(json.trackDirtyPages()));
    }

    private static List<DriveConfig> drives(List<ConfigFileJson.DriveJson> json) throws ConfigException {
        if (json == null) return List.of();
        List<DriveConfig> drives = new ArrayList<>(json.size());
        for (int i = 0; i < json.size(); i++) {
            drives.add(drive(i, json.get(i)));
        }
        return drives;
    }

    private static DriveConfig drive(int i, ConfigFileJson.DriveJson json) throws ConfigException {
        return new DriveConfig(json.driveId(), path(Keys.drive(i, Keys.PATH_ON_HOST), json.pathOnHost()),
                Boolean.TRUE.equals(json.isRootDevice()), Boolean.TRUE.equals(json.isReadOnly()), json.partuuid(),
                writeback(Keys.drive(i, Keys.CACHE_TYPE), json.cacheType()), json.serial(),
                Boolean.TRUE.equals(json.directIo()));
    }

    private static boolean writeback(String key, String cacheType) throws ConfigException {
        if (cacheType == null || cacheType.equals(CACHE_UNSAFE)) return false;
        if (cacheType.equals(CACHE_WRITEBACK)) return true;
        throw new ConfigException(key, "expected \"" + CACHE_UNSAFE + "\" or \"" + CACHE_WRITEBACK + "\", got "
                + quote(cacheType));
    }

    private static List<NetworkInterfaceConfig> networkInterfaces(List<ConfigFileJson.NetworkInterfaceJson> json)
            throws ConfigException {
        if (json == null) return List.of();
        List<NetworkInterfaceConfig> interfaces = new ArrayList<>(json.size());
        for (int i = 0; i < json.size(); i++) {
            ConfigFileJson.NetworkInterfaceJson nic = json.get(i);
            interfaces.add(new NetworkInterfaceConfig(nic.ifaceId(), nic.hostDevName(),
                    guestMac(Keys.networkInterface(i, Keys.GUEST_MAC), nic.guestMac()),
                    nic.mtu() == null ? NetworkInterfaceConfig.NO_MTU : nic.mtu()));
        }
        return interfaces;
    }

    private static MacAddress guestMac(String key, String text) throws ConfigException {
        if (text == null) return null;
        try {
            return MacAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, "expected a MAC address, six hex pairs separated by \":\" such as"
                    + " \"06:00:ac:10:00:02\", got " + quote(text));
        }
    }

    private static EntropyConfig entropy(ConfigFileJson.EntropyJson json) {
        return json == null ? null : new EntropyConfig();
    }

    private static VsockConfig vsock(ConfigFileJson.VsockJson json) throws ConfigException {
        if (json == null) return null;
        return new VsockConfig(json.vsockId(), json.guestCid(),
                path(Keys.path(Keys.VSOCK, Keys.UDS_PATH), json.udsPath()));
    }

    private static DebugExit debugExit(ConfigFileJson.DebugExitJson json) throws ConfigException {
        if (json == null) return null;
        JsonValue node = json.iobase();
        if (JsonValue.isNullOrAbsent(node)) return new DebugExit(ConfigLimits.DEFAULT_DEBUG_EXIT_IOBASE);
        String key = Keys.path(Keys.DEBUG_EXIT, Keys.IOBASE);
        BigInteger value = switch (node) {
            case JsonValue.JsonInteger i -> i.value();
            case JsonValue.JsonString s -> parsePort(key, s.value());
            default -> throw new ConfigException(key, "expected an integer or a string like \"0xf4\", got "
                    + node.describe());
        };
        // Only rule out what an int cannot hold; the 0..0xffff range is the validator's job.
        if (value.bitLength() > 31) {
            throw new ConfigException(key, "number " + value + " is out of range");
        }
        return new DebugExit(value.intValue());
    }

    private static BigInteger parsePort(String key, String text) throws ConfigException {
        Matcher m = PORT.matcher(text.strip());
        if (!m.matches()) {
            throw new ConfigException(key, "expected an I/O port such as 244 or \"0xf4\", got " + quote(text));
        }
        return m.group(1) != null ? new BigInteger(m.group(1), 16) : new BigInteger(m.group(2));
    }

    private static SerialConfig serial(ConfigFileJson.SerialJson json) throws ConfigException {
        if (json == null) return SerialConfig.defaults();
        return new SerialConfig(serialOutput(json.output()), stdinInput(json.input()));
    }

    private static SerialOutput serialOutput(String output) throws ConfigException {
        if (output == null || output.equals("stdout")) return new SerialOutput.Stdout();
        if (output.equals("none")) return new SerialOutput.None();
        return new SerialOutput.ToFile(path(Keys.path(Keys.SERIAL, Keys.OUTPUT), output));
    }

    private static boolean stdinInput(String input) throws ConfigException {
        if (input == null || input.equals("stdin")) return true;
        if (input.equals("none")) return false;
        throw new ConfigException(Keys.path(Keys.SERIAL, Keys.INPUT),
                "expected \"stdin\" or \"none\", got " + quote(input));
    }

    static Path path(String key, String text) throws ConfigException {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new ConfigException(key, "invalid path " + quote(text) + ": " + e.getReason());
        }
    }

    // JSON-quoted, so control characters in user input cannot garble the one-line message.
    static String quote(String text) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }
}
