package io.kvmj.vmm.boot;

import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRegion;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Copies an initrd to the top of the low RAM region, page-aligned, above the kernel (where Linux looks for it). */
public final class InitrdLoader {
    private static final long PAGE = 4096;

    private InitrdLoader() {
    }

    public static PvhStartInfo.Module load(Path initrd, GuestMemory memory, long kernelEnd, long maxEnd) {
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(initrd, StandardOpenOption.READ)) {
            long size = channel.size();
            GuestRegion low = memory.regions().getFirst();
            long top = Math.min(low.guestEnd(), maxEnd);
            long address = (top - size) & ~(PAGE - 1);
            if (size == 0 || size > top || address < kernelEnd) {
                throw new BootException(initrd + ": initrd of " + size + " bytes does not fit in guest RAM between "
                        + "the kernel's end (0x" + Long.toHexString(kernelEnd) + ") and 0x" + Long.toHexString(top));
            }
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            memory.write(address, file);
            return new PvhStartInfo.Module(address, size);
        } catch (IOException e) {
            throw new BootException(initrd + ": cannot read initrd: " + e.getMessage());
        }
    }
}
