package io.kvmj.config;

import java.nio.file.Path;

/**
 * JSON key names (Firecracker's, plus kvmj's own) and the dotted key paths used in error messages,
 * kept in one place so the JSON binding ({@link ConfigFileJson}) and the validator cannot drift apart.
 */
final class Keys {
    static final String BOOT_SOURCE = "boot-source";
    static final String KERNEL_IMAGE_PATH = "kernel_image_path";
    static final String BOOT_ARGS = "boot_args";
    static final String INITRD_PATH = "initrd_path";

    static final String MACHINE_CONFIG = "machine-config";
    static final String VCPU_COUNT = "vcpu_count";
    static final String MEM_SIZE_MIB = "mem_size_mib";
    static final String SMT = "smt";
    static final String TRACK_DIRTY_PAGES = "track_dirty_pages";
    static final String CPU_TEMPLATE = "cpu_template";
    static final String HUGE_PAGES = "huge_pages";
    /** Only in Firecracker builds with its "gdb" feature. */
    static final String GDB_SOCKET_PATH = "gdb_socket_path";

    static final String DRIVES = "drives";
    static final String DRIVE_ID = "drive_id";
    static final String PATH_ON_HOST = "path_on_host";
    static final String IS_ROOT_DEVICE = "is_root_device";
    static final String IS_READ_ONLY = "is_read_only";
    static final String PARTUUID = "partuuid";
    static final String CACHE_TYPE = "cache_type";
    static final String IO_ENGINE = "io_engine";
    static final String RATE_LIMITER = "rate_limiter";
    static final String SOCKET = "socket";
    // kvmj-only keys in a drive
    static final String DRIVE_SERIAL = "serial";
    static final String DIRECT_IO = "direct_io";

    static final String NETWORK_INTERFACES = "network-interfaces";
    static final String IFACE_ID = "iface_id";
    static final String HOST_DEV_NAME = "host_dev_name";
    static final String GUEST_MAC = "guest_mac";
    static final String MTU = "mtu";
    static final String RX_RATE_LIMITER = "rx_rate_limiter";
    static final String TX_RATE_LIMITER = "tx_rate_limiter";

    static final String ENTROPY = "entropy";

    // a rate limiter and its token buckets
    static final String BANDWIDTH = "bandwidth";
    static final String OPS = "ops";
    static final String SIZE = "size";
    static final String REFILL_TIME = "refill_time";
    static final String ONE_TIME_BURST = "one_time_burst";

    // Firecracker sections kvmj accepts only when they ask for nothing (see UnsupportedKeys)
    static final String BALLOON = "balloon";
    static final String LOGGER = "logger";
    static final String METRICS = "metrics";
    static final String MMDS_CONFIG = "mmds-config";
    static final String PMEM = "pmem";
    static final String MEMORY_HOTPLUG = "memory-hotplug";
    static final String LOG_PATH = "log_path";
    static final String LEVEL = "level";
    static final String SHOW_LEVEL = "show_level";
    static final String SHOW_LOG_ORIGIN = "show_log_origin";
    static final String MODULE = "module";
    static final String VSOCK = "vsock";
    static final String VSOCK_ID = "vsock_id";
    static final String GUEST_CID = "guest_cid";
    static final String UDS_PATH = "uds_path";

    static final String CPU_CONFIG = "cpu-config";
    static final String KVM_CAPABILITIES = "kvm_capabilities";
    static final String CPUID_MODIFIERS = "cpuid_modifiers";
    static final String MSR_MODIFIERS = "msr_modifiers";
    static final String VCPU_FEATURES = "vcpu_features";
    static final String REG_MODIFIERS = "reg_modifiers";
    static final String LEAF = "leaf";
    static final String SUBLEAF = "subleaf";
    static final String FLAGS = "flags";
    static final String MODIFIERS = "modifiers";
    static final String REGISTER = "register";
    static final String BITMAP = "bitmap";
    static final String ADDR = "addr";

    // kvmj-only sections
    static final String DEBUG_EXIT = "debug-exit";
    static final String ACPI = "acpi";
    static final String ON_RESET = "on-reset";
    static final String ENABLED = "enabled";
    static final String IOBASE = "iobase";
    static final String SERIAL = "serial";
    static final String OUTPUT = "output";
    static final String INPUT = "input";

    /** Label for problems with the document as a whole (it has no key path). */
    static final String TOP_LEVEL = "top level";

    private Keys() {}

    static String path(String section, String key) {
        return section + "." + key;
    }

    /** {@code drives[i]}. */
    static String drive(int index) {
        return element(DRIVES, index);
    }

    /** {@code drives[i].key}. */
    static String drive(int index, String key) {
        return path(drive(index), key);
    }

    /** {@code network-interfaces[i]}. */
    static String networkInterface(int index) {
        return element(NETWORK_INTERFACES, index);
    }

    /** {@code network-interfaces[i].key}. */
    static String networkInterface(int index, String key) {
        return path(networkInterface(index), key);
    }

    private static String element(String list, int index) {
        return list + "[" + index + "]";
    }

    /** {@code cpuid_modifiers[i]} in a CPU template. */
    static String cpuidModifier(Scope template, int index) {
        return template.key(CPUID_MODIFIERS + "[" + index + "]");
    }

    /** {@code cpuid_modifiers[i].modifiers[j]} in a CPU template. */
    static String registerModifier(Scope template, int index, int modifier) {
        return path(cpuidModifier(template, index), MODIFIERS) + "[" + modifier + "]";
    }

    /** {@code msr_modifiers[i]} in a CPU template. */
    static String msrModifier(Scope template, int index) {
        return template.key(MSR_MODIFIERS + "[" + index + "]");
    }

    /**
     * The JSON document a key path is relative to, and how errors name it: the config itself
     * ({@code drives[0].path_on_host}), its inline {@code cpu-config} object ({@code cpu-config.msr_modifiers[0]})
     * or the CPU template file {@code cpu-config} names ({@code cpu-config (t2s.json): msr_modifiers[0]}).
     *
     * @param label names the document itself (for problems with it as a whole)
     * @param separator between the label and a key path in it; null for the config, whose keys stand alone
     */
    record Scope(String label, String separator) {
        static final Scope CONFIG = new Scope(TOP_LEVEL, null);
        static final Scope CPU_CONFIG_OBJECT = new Scope(CPU_CONFIG, ".");

        /** {@code file} as the config gives it, so the user recognises it. */
        static Scope templateFile(Path file) {
            return new Scope(CPU_CONFIG + " (" + file + ")", ": ");
        }

        /** The key path of {@code relative} (a path inside the document; "" for the document itself). */
        String key(String relative) {
            if (relative.isEmpty()) return label;
            return separator == null ? relative : label + separator + relative;
        }

        /** A problem found without a key path (such as a syntax error located by line and column). */
        ConfigException error(String problem) {
            return separator == null ? new ConfigException(problem) : new ConfigException(label, problem);
        }
    }
}
