package io.kvmj.vmm.boot;

import io.kvmj.vmm.memory.GuestMemory;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Loads an ELF kernel that supports the PVH boot ABI: its PT_LOAD segments go to their physical addresses,
 * and the entry point is the 32-bit one from the XEN_ELFNOTE_PHYS32_ENTRY note (as QEMU, Firecracker and
 * Cloud Hypervisor boot vmlinux).
 */
public final class PvhElfLoader {
    /** XEN_ELFNOTE_PHYS32_ENTRY from xen/include/public/elfnote.h. */
    static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    private PvhElfLoader() {
    }

    public static LoadedKernel load(Path kernel, GuestMemory memory) {
        return ElfImage.map(kernel, elf -> load(elf, memory));
    }

    /** Whether the kernel has a PVH entry note, i.e. boots through {@link BootPath#PVH_ELF}. */
    static boolean hasPvhEntry(ElfImage elf) {
        return pvhEntry(elf).isPresent();
    }

    private static OptionalLong pvhEntry(ElfImage elf) {
        return elf.noteValue("Xen", XEN_ELFNOTE_PHYS32_ENTRY);
    }

    static LoadedKernel load(ElfImage elf, GuestMemory memory) {
        OptionalLong pvhEntry = pvhEntry(elf);
        if (pvhEntry.isEmpty()) {
            throw elf.fail("ELF kernel without a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); "
                    + "build it with CONFIG_PVH=y");
        }
        long entry = pvhEntry.getAsLong();
        if (entry >= (1L << 32)) {
            throw elf.fail(String.format("PVH entry 0x%x is not a 32-bit address", entry));
        }
        LoadedKernel k = ElfSegments.load(elf, memory, entry);
        if (!memory.contains(entry, 1)) {
            throw elf.fail(String.format("PVH entry 0x%x is outside guest RAM", entry));
        }
        return k;
    }
}
