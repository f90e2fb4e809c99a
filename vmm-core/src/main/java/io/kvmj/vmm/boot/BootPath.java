package io.kvmj.vmm.boot;

/** How kvmj boots a kernel image, chosen from its contents by {@link KernelImage#inspect}. */
public enum BootPath {
    /**
     * An ELF with a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): PT_LOAD segments at their physical addresses, entry
     * at the note's address in 32-bit protected mode, %ebx = hvm_start_info ({@link PvhElfLoader}).
     */
    PVH_ELF("PVH (ELF with a PVH entry note)"),
    /**
     * An x86_64 ELF without that note: PT_LOAD segments at their physical addresses, entry at e_entry in long mode,
     * %rsi = a zero page with a made-up setup header ({@link Linux64ElfLoader}), as Firecracker boots a vmlinux.
     */
    LINUX64_ELF("the 64-bit boot protocol (ELF without a PVH entry note, entered at e_entry)"),
    /**
     * A bzImage: its protected-mode kernel at the load address, entry 0x200 past it in long mode, %rsi = a zero page
     * with the kernel's own setup header ({@link io.kvmj.vmm.boot.bzimage.BzImageLoader}).
     */
    LINUX64_BZIMAGE("the 64-bit boot protocol (bzImage)");

    private final String description;

    BootPath(String description) {
        this.description = description;
    }

    /** For logs: the protocol and why this kernel takes it. */
    public String description() {
        return description;
    }
}
