package io.kvmj.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * Writes a {@link VmConfig} as a config file, pretty-printed by jackson-core. Firecracker accepts the output as long
 * as the kvmj-only sections and drive keys ({@code serial}, {@code direct_io}) are absent, so those are written only
 * when they differ from the default.
 */
final class ConfigWriter {
    private static final JsonFactory FACTORY = new JsonFactory();

    private ConfigWriter() {}

    static String toJson(VmConfig config) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out).useDefaultPrettyPrinter()) {
            write(g, config);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a string", e); // no I/O: cannot happen
        }
        return out + "\n";
    }

    private static void write(JsonGenerator g, VmConfig config) throws IOException {
        g.writeStartObject();

        g.writeObjectFieldStart(Keys.BOOT_SOURCE);
        BootSource b = config.bootSource();
        g.writeStringField(Keys.KERNEL_IMAGE_PATH, b.kernelImagePath().toString());
        if (b.bootArgs() != null && !b.bootArgs().isEmpty()) g.writeStringField(Keys.BOOT_ARGS, b.bootArgs());
        if (b.initrdPath() != null) g.writeStringField(Keys.INITRD_PATH, b.initrdPath().toString());
        g.writeEndObject();

        g.writeArrayFieldStart(Keys.DRIVES); // Firecracker requires the key, even when empty
        for (DriveConfig d : config.drives()) {
            g.writeStartObject();
            g.writeStringField(Keys.DRIVE_ID, d.driveId());
            g.writeStringField(Keys.PATH_ON_HOST, d.path().toString());
            g.writeBooleanField(Keys.IS_ROOT_DEVICE, d.rootDevice());
            g.writeBooleanField(Keys.IS_READ_ONLY, d.readOnly());
            if (d.partuuid() != null) g.writeStringField(Keys.PARTUUID, d.partuuid());
            g.writeStringField(Keys.CACHE_TYPE, d.writeback() ? "Writeback" : "Unsafe");
            // kvmj-only keys, only when not the default
            if (d.serial() != null && !d.serial().equals(DriveConfig.defaultSerial(d.driveId()))) {
                g.writeStringField(Keys.DRIVE_SERIAL, d.serial());
            }
            if (d.directIo()) g.writeBooleanField(Keys.DIRECT_IO, true);
            g.writeEndObject();
        }
        g.writeEndArray();

        if (!config.networkInterfaces().isEmpty()) {
            g.writeArrayFieldStart(Keys.NETWORK_INTERFACES);
            for (NetworkInterfaceConfig nic : config.networkInterfaces()) {
                g.writeStartObject();
                g.writeStringField(Keys.IFACE_ID, nic.ifaceId());
                g.writeStringField(Keys.HOST_DEV_NAME, nic.hostDevName());
                if (nic.guestMac() != null) g.writeStringField(Keys.GUEST_MAC, nic.guestMac().toString());
                if (nic.mtu() != NetworkInterfaceConfig.NO_MTU) g.writeNumberField(Keys.MTU, nic.mtu());
                g.writeEndObject();
            }
            g.writeEndArray();
        }

        g.writeObjectFieldStart(Keys.MACHINE_CONFIG);
        MachineSpec m = config.machine();
        g.writeNumberField(Keys.VCPU_COUNT, m.vcpuCount());
        g.writeNumberField(Keys.MEM_SIZE_MIB, m.memSizeMib());
        g.writeBooleanField(Keys.SMT, m.smt());
        g.writeBooleanField(Keys.TRACK_DIRTY_PAGES, m.trackDirtyPages());
        g.writeEndObject();

        if (config.entropy() != null) {
            g.writeObjectFieldStart(Keys.ENTROPY);
            g.writeEndObject();
        }

        VsockConfig vsock = config.vsock();
        if (vsock != null) {
            g.writeObjectFieldStart(Keys.VSOCK);
            if (vsock.vsockId() != null) g.writeStringField(Keys.VSOCK_ID, vsock.vsockId());
            g.writeNumberField(Keys.GUEST_CID, vsock.guestCid());
            g.writeStringField(Keys.UDS_PATH, vsock.udsPath().toString());
            g.writeEndObject();
        }

        CpuConfig cpu = config.cpuConfig();
        if (cpu != null && cpu.templateFile() != null) {
            g.writeStringField(Keys.CPU_CONFIG, cpu.templateFile().toString()); // not validated yet: still the path
        } else if (cpu != null) {
            g.writeFieldName(Keys.CPU_CONFIG);
            writeCpuConfig(g, cpu);
        }

        if (!config.acpi()) {
            g.writeObjectFieldStart(Keys.ACPI);
            g.writeBooleanField(Keys.ENABLED, false);
            g.writeEndObject();
        }
        if (config.restartOnReset()) {
            g.writeStringField(Keys.ON_RESET, ConfigFileMapper.ON_RESET_RESTART);
        }
        if (config.debugExit() != null) {
            g.writeObjectFieldStart(Keys.DEBUG_EXIT);
            g.writeNumberField(Keys.IOBASE, config.debugExit().iobase());
            g.writeEndObject();
        }
        SerialConfig serial = config.serial();
        if (serial != null && !serial.equals(SerialConfig.defaults())) {
            g.writeObjectFieldStart(Keys.SERIAL);
            g.writeStringField(Keys.OUTPUT, switch (serial.output()) {
                case SerialOutput.Stdout ignored -> "stdout";
                case SerialOutput.None ignored -> "none";
                case SerialOutput.ToFile file -> file.path().toString();
            });
            g.writeStringField(Keys.INPUT, serial.stdinInput() ? "stdin" : "none");
            g.writeEndObject();
        }

        g.writeEndObject();
    }

    // Firecracker's custom CPU template format: numbers as "0x" strings.
    private static void writeCpuConfig(JsonGenerator g, CpuConfig cpu) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart(Keys.CPUID_MODIFIERS);
        for (CpuidModifierConfig c : cpu.cpuidModifiers()) {
            g.writeStartObject();
            g.writeStringField(Keys.LEAF, hex(c.leaf()));
            g.writeStringField(Keys.SUBLEAF, hex(c.subleaf()));
            g.writeNumberField(Keys.FLAGS, c.flags());
            g.writeArrayFieldStart(Keys.MODIFIERS);
            for (RegisterBitmap r : c.modifiers()) {
                g.writeStartObject();
                g.writeStringField(Keys.REGISTER, r.register());
                g.writeStringField(Keys.BITMAP, r.bitmap());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart(Keys.MSR_MODIFIERS);
        for (MsrModifierConfig m : cpu.msrModifiers()) {
            g.writeStartObject();
            g.writeStringField(Keys.ADDR, hex(m.addr()));
            g.writeStringField(Keys.BITMAP, m.bitmap());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
