package io.kvmj.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes a {@link VmConfig} as a config file. Firecracker accepts the output as long as the kvmj-only
 * sections are absent, so those are written only when they differ from the default.
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

        root.putArray("drives"); // Firecracker requires the key, even when empty

        ObjectNode machine = root.putObject(Keys.MACHINE_CONFIG);
        MachineSpec m = config.machine();
        machine.put(Keys.VCPU_COUNT, m.vcpuCount());
        machine.put(Keys.MEM_SIZE_MIB, m.memSizeMib());
        machine.put(Keys.SMT, m.smt());
        machine.put(Keys.TRACK_DIRTY_PAGES, m.trackDirtyPages());

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
}
