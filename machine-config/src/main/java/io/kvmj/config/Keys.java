package io.kvmj.config;

/**
 * JSON key names (Firecracker's, plus kvmj's own) and the dotted key paths used in error messages,
 * kept in one place so the Jackson model and the validator cannot drift apart.
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

    static final String DRIVES = "drives";
    static final String DRIVE_ID = "drive_id";
    static final String PATH_ON_HOST = "path_on_host";
    static final String IS_ROOT_DEVICE = "is_root_device";
    static final String IS_READ_ONLY = "is_read_only";
    static final String PARTUUID = "partuuid";
    static final String CACHE_TYPE = "cache_type";
    static final String IO_ENGINE = "io_engine";
    static final String RATE_LIMITER = "rate_limiter";
    // kvmj-only keys in a drive
    static final String DRIVE_SERIAL = "serial";
    static final String DIRECT_IO = "direct_io";

    static final String ENTROPY = "entropy";

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
        return DRIVES + "[" + index + "]";
    }

    /** {@code drives[i].key}. */
    static String drive(int index, String key) {
        return path(drive(index), key);
    }

    /** {@code cpu-config.cpuid_modifiers[i]}. */
    static String cpuidModifier(int index) {
        return path(CPU_CONFIG, CPUID_MODIFIERS) + "[" + index + "]";
    }

    /** {@code cpu-config.cpuid_modifiers[i].modifiers[j]}. */
    static String registerModifier(int index, int modifier) {
        return path(cpuidModifier(index), MODIFIERS) + "[" + modifier + "]";
    }

    /** {@code cpu-config.msr_modifiers[i]}. */
    static String msrModifier(int index) {
        return path(CPU_CONFIG, MSR_MODIFIERS) + "[" + index + "]";
    }
}
