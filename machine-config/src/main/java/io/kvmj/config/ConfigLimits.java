package io.kvmj.config;

/** Bounds the validator enforces; public so the CLI and the VMM can quote the same numbers. */
public final class ConfigLimits {
    /** Firecracker's vCPU limit; kvmj keeps it so Firecracker configs behave the same. */
    public static final int MAX_VCPUS = 32;

    /** 1 TiB: far above any microVM, low enough to catch unit mistakes (e.g. a byte count). */
    public static final long MAX_MEM_MIB = 1L << 20;

    /**
     * Linux x86 {@code COMMAND_LINE_SIZE}: 2048 in older kernels, 4096 in newer ones. kvmj allows the newer
     * size; it includes the terminating NUL, hence {@link #MAX_BOOT_ARGS_BYTES}.
     */
    public static final int COMMAND_LINE_SIZE = 4096;

    public static final int MAX_BOOT_ARGS_BYTES = COMMAND_LINE_SIZE - 1;

    /** The isa-debug-exit port QEMU uses by default. */
    public static final int DEFAULT_DEBUG_EXIT_IOBASE = 0xf4;

    public static final int MAX_IO_PORT = 0xffff;

    /** Longest {@code drive_id}. */
    public static final int MAX_DRIVE_ID_LENGTH = 64;

    /** VIRTIO_BLK_ID_BYTES: the size of the virtio-blk device ID (the drive's serial). */
    public static final int VIRTIO_BLK_ID_BYTES = 20;

    /** The lowest guest CID: 0 to 2 name the hypervisor, the loopback and the host (vsock(7)). */
    public static final long MIN_GUEST_CID = 3;

    /** The highest guest CID: the 32-bit CID space, without 0xffffffff (VMADDR_CID_ANY). */
    public static final long MAX_GUEST_CID = 0xffff_fffeL;

    /** {@code sun_path} holds 108 bytes with the terminating NUL. */
    public static final int MAX_UDS_PATH_BYTES = 107;

    /**
     * Linux {@code IFNAMSIZ} is 16 bytes with the terminating NUL: the longest TAP device name
     * ({@code host_dev_name}) the kernel takes.
     */
    public static final int MAX_HOST_DEV_NAME_BYTES = 15;
    /** A network interface's MTU advice, bytes: Ethernet's minimum (68, RFC 791) to the 16-bit field's maximum. */
    public static final int MIN_MTU = 68;
    public static final int MAX_MTU = 65535;

    /**
     * Most network interfaces: each is a virtio-mmio device with an interrupt line of its own, and a kvmj machine has
     * 19 for all its virtio devices (GSIs 5 to 23 of the IOAPIC's 24; vmm-core's
     * {@code MachineLayout.MAX_MMIO_DEVICES}, which also checks the total with the other devices).
     */
    public static final int MAX_NETWORK_INTERFACES = 19;

    private ConfigLimits() {}
}
