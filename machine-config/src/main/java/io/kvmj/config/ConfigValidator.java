package io.kvmj.config;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The single set of semantic checks, shared by config files and CLI flags: ranges, boot arguments, files
 * (including reading a {@code cpu-config} template file).
 * Sections are checked in file order and the first problem is thrown.
 */
final class ConfigValidator {
    private ConfigValidator() {}

    /** @param baseDir directory relative paths are resolved against */
    static VmConfig validate(VmConfig config, Path baseDir) throws ConfigException {
        if (config.bootSource() == null) throw new ConfigException(Keys.BOOT_SOURCE, "required key missing");
        return validateIncomplete(config, baseDir);
    }

    /** {@link #validate} for a config that may have no boot source yet: the result's is then null. */
    static VmConfig validateIncomplete(VmConfig config, Path baseDir) throws ConfigException {
        Path base = baseDir.toAbsolutePath().normalize();
        if (config.machine() == null) throw new ConfigException(Keys.MACHINE_CONFIG, "required key missing");
        BootSource boot = config.bootSource() == null ? null : bootSource(config.bootSource(), base);
        List<DriveConfig> drives = drives(config.drives(), base);
        return new VmConfig(
                boot,
                machine(config.machine()),
                debugExit(config.debugExit()),
                serial(config.serial(), base),
                drives,
                config.entropy(),
                config.acpi(),
                CpuConfigValidator.validate(config.cpuConfig(), base),
                config.restartOnReset(),
                vsock(config.vsock(), base),
                NetworkInterfacesValidator.validate(config.networkInterfaces()));
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
        checkPrintableAscii(key, args);
        int bytes = args.getBytes(StandardCharsets.US_ASCII).length;
        if (bytes > ConfigLimits.MAX_BOOT_ARGS_BYTES) {
            throw new ConfigException(key, "too long: " + bytes + " bytes (at most " + ConfigLimits.MAX_BOOT_ARGS_BYTES
                    + "; Linux COMMAND_LINE_SIZE is " + ConfigLimits.COMMAND_LINE_SIZE + " including the NUL)");
        }
    }

    private static List<DriveConfig> drives(List<DriveConfig> drives, Path base) throws ConfigException {
        List<DriveConfig> checked = new ArrayList<>(drives.size());
        Map<String, Integer> ids = new HashMap<>();
        int root = -1;
        for (int i = 0; i < drives.size(); i++) {
            DriveConfig d = drives.get(i);
            if (d == null) throw new ConfigException(Keys.drive(i), "must not be null");
            String idKey = Keys.drive(i, Keys.DRIVE_ID);
            checkDriveId(idKey, d.driveId());
            Integer other = ids.putIfAbsent(d.driveId(), i);
            if (other != null) {
                throw new ConfigException(idKey, "duplicate drive_id \"" + d.driveId() + "\" (also "
                        + Keys.drive(other) + ")");
            }
            if (d.rootDevice()) {
                if (root >= 0) {
                    throw new ConfigException(Keys.drive(i, Keys.IS_ROOT_DEVICE),
                            "only one drive can be the root device (" + Keys.drive(root) + " already is)");
                }
                root = i;
            }
            String pathKey = Keys.drive(i, Keys.PATH_ON_HOST);
            if (d.path() == null) throw new ConfigException(pathKey, "required key missing");
            Path path = PathChecks.diskImage(pathKey, d.path(), base, d.readOnly());
            String serial = d.serial() == null ? DriveConfig.defaultSerial(d.driveId()) : d.serial();
            checkSerial(Keys.drive(i, Keys.DRIVE_SERIAL), serial);
            checked.add(new DriveConfig(d.driveId(), path, d.rootDevice(), d.readOnly(), d.partuuid(), d.writeback(),
                    serial, d.directIo()));
        }
        return checked;
    }

    private static void checkDriveId(String key, String id) throws ConfigException {
        if (id == null) throw new ConfigException(key, "required key missing");
        if (id.isEmpty()) throw new ConfigException(key, "must not be empty");
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '-';
            if (!ok) {
                throw new ConfigException(key, String.format(
                        "only A-Z, a-z, 0-9, \"_\" and \"-\" are allowed (found U+%04X at index %d)", (int) c, i));
            }
        }
        if (id.length() > ConfigLimits.MAX_DRIVE_ID_LENGTH) {
            throw new ConfigException(key, "too long: " + id.length() + " characters (at most "
                    + ConfigLimits.MAX_DRIVE_ID_LENGTH + ")");
        }
    }

    private static void checkSerial(String key, String serial) throws ConfigException {
        checkPrintableAscii(key, serial);
        if (serial.length() > ConfigLimits.VIRTIO_BLK_ID_BYTES) {
            throw new ConfigException(key, "too long: " + serial.length() + " bytes (at most "
                    + ConfigLimits.VIRTIO_BLK_ID_BYTES + ", the virtio-blk ID size)");
        }
    }

    private static void checkPrintableAscii(String key, String text) throws ConfigException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new ConfigException(key, String.format(
                        "only printable ASCII is allowed (found U+%04X at index %d)", (int) c, i));
            }
        }
    }

    private static MachineSpec machine(MachineSpec m) throws ConfigException {
        String vcpuKey = Keys.path(Keys.MACHINE_CONFIG, Keys.VCPU_COUNT);
        checkRange(vcpuKey, m.vcpuCount(), 1, ConfigLimits.MAX_VCPUS, "");
        // Firecracker's rule (InvalidVcpuCount): SMT pairs the vCPUs two threads to a core
        if (m.smt() && m.vcpuCount() > 1 && m.vcpuCount() % 2 != 0) {
            throw new ConfigException(vcpuKey, "must be 1 or an even number when " + Keys.path(Keys.MACHINE_CONFIG,
                    Keys.SMT) + " is true (two threads per core; got " + m.vcpuCount() + ")");
        }
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

    private static VsockConfig vsock(VsockConfig vsock, Path base) throws ConfigException {
        if (vsock == null) return null;
        checkRange(Keys.path(Keys.VSOCK, Keys.GUEST_CID), vsock.guestCid(), ConfigLimits.MIN_GUEST_CID,
                ConfigLimits.MAX_GUEST_CID, " (0xffffffff is VMADDR_CID_ANY)");
        String key = Keys.path(Keys.VSOCK, Keys.UDS_PATH);
        if (vsock.udsPath() == null) throw new ConfigException(key, "required key missing");
        return new VsockConfig(vsock.vsockId(), vsock.guestCid(), PathChecks.newSocketLocation(key, vsock.udsPath(),
                base, ConfigLimits.MAX_UDS_PATH_BYTES));
    }

    private static void checkRange(String key, long value, long min, long max, String maxNote) throws ConfigException {
        if (value < min) throw new ConfigException(key, "must be at least " + min + " (got " + value + ")");
        if (value > max) throw new ConfigException(key, "must be at most " + max + maxNote + " (got " + value + ")");
    }
}
