package io.kvmj.config;

import static io.kvmj.config.JsonField.optional;
import static io.kvmj.config.JsonField.required;

import java.util.List;

/**
 * The config file exactly as it is bound (Firecracker key names), each record with its {@link JsonObjectType}.
 * Values are raw and unchecked; {@link ConfigFileMapper} turns them into a {@link VmConfig}. Required keys must
 * be present and not null; optional keys that are absent or null are Java null. Values the mappers interpret
 * (numbers given as strings, lists kvmj accepts only empty) are {@link JsonValue}s, JSON null included.
 * Every key of Firecracker's config file is known: those kvmj does not implement are accepted only at values that
 * ask for nothing, by {@link UnsupportedKeys} types, and are not kept.
 * {@code cpu-config} is left a value because it is a template object or the path of a template file.
 */
final class ConfigFileJson {
    private ConfigFileJson() {}

    /**
     * {@code machine-config} may be absent or null, as in Firecracker (its default machine). Firecracker's sections
     * kvmj does not implement are bound by {@link UnsupportedKeys} types, which keep nothing.
     */
    record Root(BootSourceJson bootSource, MachineJson machine, DebugExitJson debugExit, SerialJson serial,
                List<DriveJson> drives, List<NetworkInterfaceJson> networkInterfaces, EntropyJson entropy,
                VsockJson vsock, AcpiJson acpi, JsonValue cpuConfig, String onReset) {
        private static final JsonField<BootSourceJson> BOOT_SOURCE = required(Keys.BOOT_SOURCE, BootSourceJson.TYPE);
        private static final JsonField<MachineJson> MACHINE = optional(Keys.MACHINE_CONFIG, MachineJson.TYPE);
        private static final JsonField<DebugExitJson> DEBUG_EXIT = optional(Keys.DEBUG_EXIT, DebugExitJson.TYPE);
        private static final JsonField<SerialJson> SERIAL = optional(Keys.SERIAL, SerialJson.TYPE);
        private static final JsonField<List<DriveJson>> DRIVES =
                optional(Keys.DRIVES, JsonTypes.listOf(DriveJson.TYPE));
        private static final JsonField<List<NetworkInterfaceJson>> NETWORK_INTERFACES =
                optional(Keys.NETWORK_INTERFACES, JsonTypes.listOf(NetworkInterfaceJson.TYPE));
        private static final JsonField<EntropyJson> ENTROPY = optional(Keys.ENTROPY, EntropyJson.TYPE);
        private static final JsonField<VsockJson> VSOCK = optional(Keys.VSOCK, VsockJson.TYPE);
        private static final JsonField<AcpiJson> ACPI = optional(Keys.ACPI, AcpiJson.TYPE);
        private static final JsonField<JsonValue> CPU_CONFIG = optional(Keys.CPU_CONFIG, JsonTypes.ANY);
        private static final JsonField<String> ON_RESET = optional(Keys.ON_RESET, JsonTypes.STRING);
        private static final JsonField<Void> BALLOON =
                optional(Keys.BALLOON, UnsupportedKeys.onlyEmptyObject("memory balloon devices are"));
        private static final JsonField<Void> LOGGER = optional(Keys.LOGGER, UnsupportedKeys.LOGGER);
        private static final JsonField<Void> METRICS =
                optional(Keys.METRICS, UnsupportedKeys.onlyEmptyObject("Firecracker's metrics are"));
        private static final JsonField<Void> MMDS_CONFIG = optional(Keys.MMDS_CONFIG,
                UnsupportedKeys.onlyEmptyObject("the microVM metadata service (MMDS) is"));
        private static final JsonField<Void> PMEM =
                optional(Keys.PMEM, UnsupportedKeys.onlyEmptyList("virtio-pmem devices are"));
        private static final JsonField<Void> MEMORY_HOTPLUG = optional(Keys.MEMORY_HOTPLUG,
                UnsupportedKeys.onlyEmptyObject("memory hotplug (virtio-mem) is"));

        static final JsonObjectType<Root> TYPE = type(BOOT_SOURCE);
        /**
         * A machine still being assembled (resource by resource, through the API): {@code boot-source} may be
         * missing yet; everything else binds as in {@link #TYPE}.
         */
        static final JsonObjectType<Root> INCOMPLETE_TYPE =
                type(optional(Keys.BOOT_SOURCE, BootSourceJson.TYPE));

        private static JsonObjectType<Root> type(JsonField<BootSourceJson> bootSource) {
            return new JsonObjectType<>(
                    v -> new Root(v.get(bootSource), v.get(MACHINE), v.get(DEBUG_EXIT), v.get(SERIAL), v.get(DRIVES),
                            v.get(NETWORK_INTERFACES), v.get(ENTROPY), v.get(VSOCK), v.get(ACPI), v.get(CPU_CONFIG),
                            v.get(ON_RESET)),
                    bootSource, MACHINE, DEBUG_EXIT, SERIAL, DRIVES, NETWORK_INTERFACES, ENTROPY, VSOCK, ACPI,
                    CPU_CONFIG, ON_RESET, BALLOON, LOGGER, METRICS, MMDS_CONFIG, PMEM, MEMORY_HOTPLUG);
        }
    }

    /**
     * Firecracker's custom CPU template: the top-level {@code cpu-config} object, or the whole of a template file
     * whose path {@code cpu-config} gives. The aarch64 (and x86 {@code kvm_capabilities}) lists are values so that
     * only empty ones can be accepted; lists that are null count as absent.
     */
    record CpuConfigJson(JsonValue kvmCapabilities, List<CpuidModifierJson> cpuidModifiers,
                         List<MsrModifierJson> msrModifiers, JsonValue vcpuFeatures, JsonValue regModifiers) {
        private static final JsonField<JsonValue> KVM_CAPABILITIES = optional(Keys.KVM_CAPABILITIES, JsonTypes.ANY);
        private static final JsonField<List<CpuidModifierJson>> CPUID_MODIFIERS =
                optional(Keys.CPUID_MODIFIERS, JsonTypes.listOf(CpuidModifierJson.TYPE));
        private static final JsonField<List<MsrModifierJson>> MSR_MODIFIERS =
                optional(Keys.MSR_MODIFIERS, JsonTypes.listOf(MsrModifierJson.TYPE));
        private static final JsonField<JsonValue> VCPU_FEATURES = optional(Keys.VCPU_FEATURES, JsonTypes.ANY);
        private static final JsonField<JsonValue> REG_MODIFIERS = optional(Keys.REG_MODIFIERS, JsonTypes.ANY);

        static final JsonObjectType<CpuConfigJson> TYPE = new JsonObjectType<>(
                v -> new CpuConfigJson(v.get(KVM_CAPABILITIES), v.get(CPUID_MODIFIERS), v.get(MSR_MODIFIERS),
                        v.get(VCPU_FEATURES), v.get(REG_MODIFIERS)),
                KVM_CAPABILITIES, CPUID_MODIFIERS, MSR_MODIFIERS, VCPU_FEATURES, REG_MODIFIERS);
    }

    /** {@code leaf} and {@code subleaf} are values: "0x1" (Firecracker), "1" or 1. {@code flags} defaults to 0. */
    record CpuidModifierJson(JsonValue leaf, JsonValue subleaf, Integer flags, List<RegisterModifierJson> modifiers) {
        private static final JsonField<JsonValue> LEAF = required(Keys.LEAF, JsonTypes.ANY);
        private static final JsonField<JsonValue> SUBLEAF = required(Keys.SUBLEAF, JsonTypes.ANY);
        private static final JsonField<Integer> FLAGS = optional(Keys.FLAGS, JsonTypes.INT);
        private static final JsonField<List<RegisterModifierJson>> MODIFIERS =
                required(Keys.MODIFIERS, JsonTypes.listOf(RegisterModifierJson.TYPE));

        static final JsonObjectType<CpuidModifierJson> TYPE = new JsonObjectType<>(
                v -> new CpuidModifierJson(v.get(LEAF), v.get(SUBLEAF), v.get(FLAGS), v.get(MODIFIERS)),
                LEAF, SUBLEAF, FLAGS, MODIFIERS);
    }

    record RegisterModifierJson(String register, String bitmap) {
        private static final JsonField<String> REGISTER = required(Keys.REGISTER, JsonTypes.STRING);
        private static final JsonField<String> BITMAP = required(Keys.BITMAP, JsonTypes.STRING);

        static final JsonObjectType<RegisterModifierJson> TYPE = new JsonObjectType<>(
                v -> new RegisterModifierJson(v.get(REGISTER), v.get(BITMAP)), REGISTER, BITMAP);
    }

    /** {@code addr} is a value: "0x10a" (Firecracker), "266" or 266. */
    record MsrModifierJson(JsonValue addr, String bitmap) {
        private static final JsonField<JsonValue> ADDR = required(Keys.ADDR, JsonTypes.ANY);
        private static final JsonField<String> BITMAP = required(Keys.BITMAP, JsonTypes.STRING);

        static final JsonObjectType<MsrModifierJson> TYPE = new JsonObjectType<>(
                v -> new MsrModifierJson(v.get(ADDR), v.get(BITMAP)), ADDR, BITMAP);
    }

    /** kvmj's own: {@code "acpi": {"enabled": false}} for guests that do not read ACPI tables. */
    record AcpiJson(Boolean enabled) {
        private static final JsonField<Boolean> ENABLED = optional(Keys.ENABLED, JsonTypes.BOOLEAN);

        static final JsonObjectType<AcpiJson> TYPE = new JsonObjectType<>(v -> new AcpiJson(v.get(ENABLED)), ENABLED);
    }

    record BootSourceJson(String kernelImagePath, String bootArgs, String initrdPath) {
        private static final JsonField<String> KERNEL_IMAGE_PATH = required(Keys.KERNEL_IMAGE_PATH, JsonTypes.STRING);
        private static final JsonField<String> BOOT_ARGS = optional(Keys.BOOT_ARGS, JsonTypes.STRING);
        private static final JsonField<String> INITRD_PATH = optional(Keys.INITRD_PATH, JsonTypes.STRING);

        static final JsonObjectType<BootSourceJson> TYPE = new JsonObjectType<>(
                v -> new BootSourceJson(v.get(KERNEL_IMAGE_PATH), v.get(BOOT_ARGS), v.get(INITRD_PATH)),
                KERNEL_IMAGE_PATH, BOOT_ARGS, INITRD_PATH);
    }

    /** {@code cpu_template}, {@code huge_pages} and {@code gdb_socket_path} only at their defaults. */
    record MachineJson(int vcpuCount, long memSizeMib, Boolean smt, Boolean trackDirtyPages) {
        private static final JsonField<Integer> VCPU_COUNT = required(Keys.VCPU_COUNT, JsonTypes.INT);
        private static final JsonField<Long> MEM_SIZE_MIB = required(Keys.MEM_SIZE_MIB, JsonTypes.LONG);
        private static final JsonField<Boolean> SMT = optional(Keys.SMT, JsonTypes.BOOLEAN);
        private static final JsonField<Boolean> TRACK_DIRTY_PAGES = optional(Keys.TRACK_DIRTY_PAGES, JsonTypes.BOOLEAN);
        private static final JsonField<Void> CPU_TEMPLATE = optional(Keys.CPU_TEMPLATE, UnsupportedKeys.onlyDefault(
                "static CPU templates are", "None", "C3", "T2", "T2S", "T2CL", "T2A", "V1N1"));
        private static final JsonField<Void> HUGE_PAGES = optional(Keys.HUGE_PAGES,
                UnsupportedKeys.onlyDefault("huge pages are", "None", "Transparent", "2M"));
        private static final JsonField<Void> GDB_SOCKET_PATH =
                optional(Keys.GDB_SOCKET_PATH, UnsupportedKeys.onlyNull("a GDB server is"));

        static final JsonObjectType<MachineJson> TYPE = new JsonObjectType<>(
                v -> new MachineJson(v.get(VCPU_COUNT), v.get(MEM_SIZE_MIB), v.get(SMT), v.get(TRACK_DIRTY_PAGES)),
                VCPU_COUNT, MEM_SIZE_MIB, SMT, TRACK_DIRTY_PAGES, CPU_TEMPLATE, HUGE_PAGES, GDB_SOCKET_PATH);
    }

    /**
     * Firecracker's drive; {@code is_root_device} is required there, optional here. {@code serial} and
     * {@code direct_io} are kvmj's own. {@code io_engine}, {@code rate_limiter} and {@code socket} (a vhost-user
     * drive) only at their defaults.
     */
    record DriveJson(String driveId, String pathOnHost, Boolean isRootDevice, Boolean isReadOnly, String partuuid,
                     String cacheType, String serial, Boolean directIo) {
        private static final JsonField<String> DRIVE_ID = required(Keys.DRIVE_ID, JsonTypes.STRING);
        private static final JsonField<String> PATH_ON_HOST = required(Keys.PATH_ON_HOST, JsonTypes.STRING);
        private static final JsonField<Boolean> IS_ROOT_DEVICE = optional(Keys.IS_ROOT_DEVICE, JsonTypes.BOOLEAN);
        private static final JsonField<Boolean> IS_READ_ONLY = optional(Keys.IS_READ_ONLY, JsonTypes.BOOLEAN);
        private static final JsonField<String> PARTUUID = optional(Keys.PARTUUID, JsonTypes.STRING);
        private static final JsonField<String> CACHE_TYPE = optional(Keys.CACHE_TYPE, JsonTypes.STRING);
        private static final JsonField<Void> IO_ENGINE = optional(Keys.IO_ENGINE,
                UnsupportedKeys.onlyDefault("asynchronous I/O (io_uring) is", "Sync", "Async"));
        private static final JsonField<Void> RATE_LIMITER = optional(Keys.RATE_LIMITER, UnsupportedKeys.RATE_LIMITER);
        private static final JsonField<Void> SOCKET =
                optional(Keys.SOCKET, UnsupportedKeys.onlyNull("vhost-user block devices are"));
        private static final JsonField<String> SERIAL = optional(Keys.DRIVE_SERIAL, JsonTypes.STRING);
        private static final JsonField<Boolean> DIRECT_IO = optional(Keys.DIRECT_IO, JsonTypes.BOOLEAN);

        static final JsonObjectType<DriveJson> TYPE = new JsonObjectType<>(
                v -> new DriveJson(v.get(DRIVE_ID), v.get(PATH_ON_HOST), v.get(IS_ROOT_DEVICE), v.get(IS_READ_ONLY),
                        v.get(PARTUUID), v.get(CACHE_TYPE), v.get(SERIAL), v.get(DIRECT_IO)),
                DRIVE_ID, PATH_ON_HOST, IS_ROOT_DEVICE, IS_READ_ONLY, PARTUUID, CACHE_TYPE, IO_ENGINE, RATE_LIMITER,
                SOCKET, SERIAL, DIRECT_IO);
    }

    /**
     * Firecracker's network interface; {@code guest_mac} is decoded by the mapper, {@code mtu} (Firecracker 1.16)
     * range-checked by the validator. {@code rx_rate_limiter} and {@code tx_rate_limiter} only at their defaults.
     */
    record NetworkInterfaceJson(String ifaceId, String hostDevName, String guestMac, Integer mtu) {
        private static final JsonField<String> IFACE_ID = required(Keys.IFACE_ID, JsonTypes.STRING);
        private static final JsonField<String> HOST_DEV_NAME = required(Keys.HOST_DEV_NAME, JsonTypes.STRING);
        private static final JsonField<String> GUEST_MAC = optional(Keys.GUEST_MAC, JsonTypes.STRING);
        private static final JsonField<Integer> MTU = optional(Keys.MTU, JsonTypes.INT);
        private static final JsonField<Void> RX_RATE_LIMITER =
                optional(Keys.RX_RATE_LIMITER, UnsupportedKeys.RATE_LIMITER);
        private static final JsonField<Void> TX_RATE_LIMITER =
                optional(Keys.TX_RATE_LIMITER, UnsupportedKeys.RATE_LIMITER);

        static final JsonObjectType<NetworkInterfaceJson> TYPE = new JsonObjectType<>(
                v -> new NetworkInterfaceJson(v.get(IFACE_ID), v.get(HOST_DEV_NAME), v.get(GUEST_MAC), v.get(MTU)),
                IFACE_ID, HOST_DEV_NAME, GUEST_MAC, MTU, RX_RATE_LIMITER, TX_RATE_LIMITER);
    }

    /** Firecracker's entropy device; {@code rate_limiter} only when it limits nothing. */
    record EntropyJson() {
        private static final JsonField<Void> RATE_LIMITER = optional(Keys.RATE_LIMITER, UnsupportedKeys.RATE_LIMITER);

        static final JsonObjectType<EntropyJson> TYPE = new JsonObjectType<>(v -> new EntropyJson(), RATE_LIMITER);
    }

    /** Firecracker's vsock device; {@code guest_cid} is a u32 there, range-checked by the validator. */
    record VsockJson(String vsockId, long guestCid, String udsPath) {
        private static final JsonField<String> VSOCK_ID = optional(Keys.VSOCK_ID, JsonTypes.STRING);
        private static final JsonField<Long> GUEST_CID = required(Keys.GUEST_CID, JsonTypes.LONG);
        private static final JsonField<String> UDS_PATH = required(Keys.UDS_PATH, JsonTypes.STRING);

        static final JsonObjectType<VsockJson> TYPE = new JsonObjectType<>(
                v -> new VsockJson(v.get(VSOCK_ID), v.get(GUEST_CID), v.get(UDS_PATH)), VSOCK_ID, GUEST_CID, UDS_PATH);
    }

    /** {@code iobase} is a value because it may be a number (244) or a string ("0xf4"). */
    record DebugExitJson(JsonValue iobase) {
        private static final JsonField<JsonValue> IOBASE = optional(Keys.IOBASE, JsonTypes.ANY);

        static final JsonObjectType<DebugExitJson> TYPE =
                new JsonObjectType<>(v -> new DebugExitJson(v.get(IOBASE)), IOBASE);
    }

    record SerialJson(String output, String input) {
        private static final JsonField<String> OUTPUT = optional(Keys.OUTPUT, JsonTypes.STRING);
        private static final JsonField<String> INPUT = optional(Keys.INPUT, JsonTypes.STRING);

        static final JsonObjectType<SerialJson> TYPE =
                new JsonObjectType<>(v -> new SerialJson(v.get(OUTPUT), v.get(INPUT)), OUTPUT, INPUT);
    }
}
