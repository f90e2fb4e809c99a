package io.kvmj.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes a {@link VmConfig} as a config file. Firecracker accepts the output as long as the kvmj-only
 * sections and drive keys ({@code serial}, {@code direct_io}) are absent, so those are written only when they
 * differ from the default.
 */
final class ConfigWriter {
    private ConfigWriter() {}

    static String toJson(VmConfig config) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();

        ObjectNode boot = root.putObject(Keys.BOOT_SOURCE);
        BootSource b = config.bootSource();
        boot.put(Keys.KERNEL_IMAGE_PATH, b.kernelImagePath().toString());
        if (b.bootArgs() != null && !b.bootArgs().isEmpty()) boot.put(Keys.BOOT_ARGS, b.bootArgs());
        if (b.initrdPath() != null) boot.put(Keys.INITRD_PATH, b.initrdPath().toString());

        ArrayNode drives = root.putArray(Keys.DRIVES); // Firecracker requires the key, even when empty
        for (DriveConfig d : config.drives()) {
            ObjectNode drive = drives.addObject();
            drive.put(Keys.DRIVE_ID, d.driveId());
            drive.put(Keys.PATH_ON_HOST, d.path().toString());
            drive.put(Keys.IS_ROOT_DEVICE, d.rootDevice());
            drive.put(Keys.IS_READ_ONLY, d.readOnly());
            if (d.partuuid() != null) drive.put(Keys.PARTUUID, d.partuuid());
            drive.put(Keys.CACHE_TYPE, d.writeback() ? "Writeback" : "Unsafe");
            // kvmj-only keys, only when not the default
            if (d.serial() != null && !d.serial().equals(DriveConfig.defaultSerial(d.driveId()))) {
                drive.put(Keys.DRIVE_SERIAL, d.serial());
            }
            if (d.directIo()) drive.put(Keys.DIRECT_IO, true);
        }

        ObjectNode machine = root.putObject(Keys.MACHINE_CONFIG);
        MachineSpec m = config.machine();
        machine.put(Keys.VCPU_COUNT, m.vcpuCount());
        machine.put(Keys.MEM_SIZE_MIB, m.memSizeMib());
        machine.put(Keys.SMT, m.smt());
        machine.put(Keys.TRACK_DIRTY_PAGES, m.trackDirtyPages());

        if (config.entropy() != null) root.putObject(Keys.ENTROPY);

        CpuConfig cpu = config.cpuConfig();
        if (cpu != null && cpu.templateFile() != null) {
            root.put(Keys.CPU_CONFIG, cpu.templateFile().toString()); // not validated yet: still the file's path
        } else if (cpu != null) {
            writeCpuConfig(root.putObject(Keys.CPU_CONFIG), cpu);
        }

        if (!config.acpi()) {
            root.putObject(Keys.ACPI).put(Keys.ENABLED, false);
        }
        if (config.debugExit() != null) {
            root.putObject(Keys.DEBUG_EXIT).put(Keys.IOBASE, config.debugExit().iobase());
        }
        SerialConfig serial = config.serial();
        if (serial != null && !serial.equals(SerialConfig.defaults())) {
            ObjectNode s = root.putObject(Keys.SERIAL);
            s.put(Keys.OUTPUT, switch (serial.output()) {
                case SerialOutput.Stdout ignored -> "stdout";
                case SerialOutput.None ignored -> "none";
                case SerialOutput.ToFile file -> file.path().toString();
            });
            s.put(Keys.INPUT, serial.stdinInput() ? "stdin" : "none");
        }
        try {
            return JsonConfigReader.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a JSON tree", e); // cannot happen for a tree
        }
    }

    // Firecracker's custom CPU template format: numbers as "0x" strings.
    private static void writeCpuConfig(ObjectNode out, CpuConfig cpu) {
        ArrayNode cpuid = out.putArray(Keys.CPUID_MODIFIERS);
        for (CpuidModifierConfig c : cpu.cpuidModifiers()) {
            ObjectNode leaf = cpuid.addObject();
            leaf.put(Keys.LEAF, hex(c.leaf()));
            leaf.put(Keys.SUBLEAF, hex(c.subleaf()));
            leaf.put(Keys.FLAGS, c.flags());
            ArrayNode modifiers = leaf.putArray(Keys.MODIFIERS);
            for (RegisterBitmap r : c.modifiers()) {
                modifiers.addObject().put(Keys.REGISTER, r.register()).put(Keys.BITMAP, r.bitmap());
            }
        }
        ArrayNode msrs = out.putArray(Keys.MSR_MODIFIERS);
        for (MsrModifierConfig m : cpu.msrModifiers()) {
            msrs.addObject().put(Keys.ADDR, hex(m.addr())).put(Keys.BITMAP, m.bitmap());
        }
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
