package io.kvmj.vmm.boot;

import io.kvmj.vmm.memory.GuestMemory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * Loads an ELF kernel that supports the PVH boot ABI: its PT_LOAD segments go to their physical addresses,
 * and the entry point is the 32-bit one from the XEN_ELFNOTE_PHYS32_ENTRY note (as QEMU, Firecracker and
 * Cloud Hypervisor boot vmlinux).
 */
public final class PvhElfLoader {
    /** XEN_ELFNOTE_PHYS32_ENTRY from xen/include/public/elfnote.h. */
    static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
    private static final long MIN_LOAD_ADDRESS = 0x100000;

    private PvhElfLoader() {
    }

    public static LoadedKernel load(Path kernel, GuestMemory memory) {
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(kernel, StandardOpenOption.READ)) {
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return load(new ElfImage(kernel.toString(), file), memory);
        } catch (IOException e) {
            throw new BootException(kernel + ": cannot read kernel: " + e.getMessage());
        }
    }

    static LoadedKernel load(ElfImage elf, GuestMemory memory) {
        OptionalLong pvhEntry = elf.noteValue("Xen", XEN_ELFNOTE_PHYS32_ENTRY);
        if (pvhEntry.isEmpty()) {
            throw elf.fail("ELF kernel without a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); "
                    + "build it with CONFIG_PVH=y");
        }
        long start = Long.MAX_VALUE;
        long end = 0;
        for (ElfImage.LoadSegment s : elf.loads()) {
            if (Long.compareUnsigned(s.physAddress(), MIN_LOAD_ADDRESS) < 0) {
                throw elf.fail(String.format("segment at 0x%x lies below 1 MiB, where boot data lives",
                        s.physAddress()));
            }
            if (!memory.contains(s.physAddress(), s.memSize())) {
                throw elf.fail(String.format("segment at 0x%x (0x%x bytes) does not fit in guest RAM",
                        s.physAddress(), s.memSize()));
            }
            MemorySegment target = memory.slice(s.physAddress(), s.memSize());
            target.asSlice(0, s.fileSize()).copyFrom(elf.file().asSlice(s.fileOffset(), s.fileSize()));
            target.asSlice(s.fileSize()).fill((byte) 0);
            start = Math.min(start, s.physAddress());
            end = Math.max(end, s.physAddress() + s.memSize());
        }
        long entry = pvhEntry.getAsLong();
        if (entry >= (1L << 32)) {
            throw elf.fail(String.format("PVH entry 0x%x is not a 32-bit address", entry));
        }
        if (!memory.contains(entry, 1)) {
            throw elf.fail(String.format("PVH entry 0x%x is outside guest RAM", entry));
        }
        return new LoadedKernel(entry, start, end);
    }
}
