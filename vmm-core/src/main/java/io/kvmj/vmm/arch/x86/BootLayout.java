package io.kvmj.vmm.arch.x86;

/** Fixed guest-physical addresses of the data the VMM writes below 1 MiB before boot (as Firecracker places them). */
public final class BootLayout {
    public static final long GDT_ADDRESS = 0x500;
    public static final long IDT_ADDRESS = 0x520;
    public static final long PVH_START_INFO = 0x6000;
    public static final long PVH_MODLIST = 0x6040;
    public static final long PVH_MEMMAP = 0x7000;
    public static final long CMDLINE_ADDRESS = 0x20000;
    /**
     * Bytes of command line a kernel takes, terminating NUL included: x86 Linux's COMMAND_LINE_SIZE, 2048 (a
     * longer line overflows its boot_command_line in early boot; bzImages also state theirs as cmdline_size).
     */
    public static final int CMDLINE_CAPACITY = 2048;
    /** Start of the extended BIOS data area: conventional RAM ends here. */
    public static final long EBDA_START = 0x9fc00;
    public static final long HIGH_MEMORY_START = 0x100000;
    /** The real-mode reset vector, F000:FFF0: its last 16 bytes below 1 MiB hold kvmj's reset stub. */
    public static final long RESET_VECTOR = 0xffff0;
    /** Three pages KVM needs for its real-mode TSS, and one for its identity map, at the top of the MMIO hole. */
    public static final long KVM_TSS_ADDRESS = 0xfffbd000L;
    public static final long KVM_IDENTITY_MAP_ADDRESS = 0xfffbc000L;

    private BootLayout() {
    }
}
