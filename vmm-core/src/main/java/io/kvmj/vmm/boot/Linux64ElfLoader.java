package io.kvmj.vmm.boot;

import io.kvmj.vmm.arch.x86.longmode.LongModeCpuState;
import io.kvmj.vmm.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Loads an x86_64 ELF kernel without a PVH note (a vmlinux built without CONFIG_PVH, or any 64-bit kernel that
 * follows Linux's 64-bit boot protocol) the way Firecracker does: PT_LOAD segments at their physical addresses, the
 * boot CPU entered at e_entry (for vmlinux, the physical address of startup_64) in long mode with the identity map of
 * {@link LongModeCpuState} and %rsi = a zero page.
 *
 * <p>A vmlinux has no setup header, so the zero page gets {@link #setupHeader()}: the fields a kernel's own header
 * would hold that Linux reads on this path.
 */
public final class Linux64ElfLoader {
    /** boot_flag: 0xAA55, the boot-sector signature every setup header carries. */
    static final short BOOT_FLAG = (short) 0xaa55;
    /**
     * kernel_alignment: 16 MiB, what Firecracker writes for an ELF kernel (x86_64's largest CONFIG_PHYSICAL_ALIGN;
     * the field must not be 0). The kernel is already at its linked address, so nothing is aligned by it.
     */
    static final int KERNEL_ALIGNMENT = 0x1000000;

    static final int BOOT_FLAG_OFFSET = 0x1fe;
    static final int HEADER_OFFSET = 0x202;
    static final int LOADFLAGS_OFFSET = 0x211;
    static final int KERNEL_ALIGNMENT_OFFSET = 0x230;
    static final int CMDLINE_SIZE_OFFSET = 0x238;
    /** The made-up header ends after cmdline_size; the fields past it stay 0 as in Firecracker's. */
    static final int SETUP_HEADER_END = CMDLINE_SIZE_OFFSET + 4;

    private Linux64ElfLoader() {
    }

    /**
     * @throws BootException if the file is no x86_64 ELF, a segment lies below 1 MiB or outside guest RAM, or
     *                       e_entry lies in no segment or above the 4 GiB the boot page tables map
     */
    public static LoadedKernel load(Path kernel, GuestMemory memory) {
        return ElfImage.map(kernel, elf -> load(elf, memory));
    }

    static LoadedKernel load(ElfImage elf, GuestMemory memory) {
        if (!elf.elf64()) {
            throw elf.fail("ELF32 kernel without a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): only an x86_64 ELF "
                    + "can be entered through the 64-bit boot protocol");
        }
        long entry = elf.entry();
        boolean inSegment = elf.loads().stream().anyMatch(s -> Long.compareUnsigned(entry, s.physAddress()) >= 0
                && Long.compareUnsigned(entry - s.physAddress(), s.memSize()) < 0);
        if (!inSegment) {
            throw elf.fail(String.format("entry point 0x%x (e_entry) lies in no loadable segment's physical range",
                    entry));
        }
        if (Long.compareUnsigned(entry, LongModeCpuState.MAPPED_BYTES) >= 0) {
            throw elf.fail(String.format("entry point 0x%x lies above the first 4 GiB, which the boot page tables map",
                    entry));
        }
        return ElfSegments.load(elf, memory, entry);
    }

    /**
     * The setup header (from boot_params offset 0x1f1) for a kernel that has none: boot_flag, "HdrS", loadflags =
     * LOADED_HIGH (the kernel is at 1 MiB or above), kernel_alignment and cmdline_size = {@link CommandLine#MAX_LENGTH}
     * (what Linux's own header says). The loader's fields (type_of_loader, cmd_line_ptr, ramdisk) are
     * {@link ZeroPage}'s.
     */
    public static byte[] setupHeader() {
        ByteBuffer b = ByteBuffer.allocate(SETUP_HEADER_END - ZeroPage.SETUP_HEADER).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(BOOT_FLAG_OFFSET - ZeroPage.SETUP_HEADER, BOOT_FLAG);
        b.putInt(HEADER_OFFSET - ZeroPage.SETUP_HEADER, ZeroPage.HEADER_MAGIC);
        b.put(LOADFLAGS_OFFSET - ZeroPage.SETUP_HEADER, (byte) ZeroPage.LOADED_HIGH);
        b.putInt(KERNEL_ALIGNMENT_OFFSET - ZeroPage.SETUP_HEADER, KERNEL_ALIGNMENT);
        b.putInt(CMDLINE_SIZE_OFFSET - ZeroPage.SETUP_HEADER, CommandLine.MAX_LENGTH);
        return b.array();
    }
}
