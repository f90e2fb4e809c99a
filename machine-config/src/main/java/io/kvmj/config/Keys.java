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

    // kvmj-only sections
    static final String DEBUG_EXIT = "debug-exit";
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
}
