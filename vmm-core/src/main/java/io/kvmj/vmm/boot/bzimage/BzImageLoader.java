package io.kvmj.vmm.boot.bzimage;

import io.kvmj.vmm.boot.BootException;
import io.kvmj.vmm.boot.InitrdLoader;
import io.kvmj.vmm.boot.LoadedKernel;
import io.kvmj.vmm.boot.PvhStartInfo;
import io.kvmj.vmm.memory.GuestMemory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Loads a bzImage for the 64-bit boot protocol: its protected-mode kernel (the file after the real-mode setup
 * sectors) goes to the load address, and the boot CPU starts at load address + 0x200 in long mode. The real-mode
 * setup code is not loaded or run.
 *
 * <p>Load address: a relocatable kernel goes to its {@code pref_address} (Linux's CONFIG_PHYSICAL_START, 16 MiB
 * on distribution kernels) rounded up to {@code kernel_alignment}; when pref_address is below 1 MiB or absurdly
 * high, to 16 MiB rounded up the same way. Loading a relocatable kernel lower than pref_address would save no
 * memory: its decompressor then writes the kernel at pref_address anyway. A non-relocatable kernel goes to
 * 1 MiB, the protocol's traditional address, and moves itself to pref_address, so it needs pref_address +
 * init_size. The memory beyond the copied bytes is not cleared (fresh guest RAM is zero; the kernel clears its
 * own bss).
 */
public final class BzImageLoader {
    public static final long NON_RELOCATABLE_LOAD_ADDRESS = 0x100000;
    public static final long DEFAULT_RELOCATABLE_LOAD_ADDRESS = 0x1000000;
    /** The 64-bit entry (startup_64) lies 0x200 bytes into the protected-mode kernel. */
    public static final long ENTRY_64_OFFSET = 0x200;
    /** pref_address values above this (52 bits, x86's physical address width limit) are not addresses. */
    private static final long MAX_PHYSICAL_ADDRESS = 1L << 52;

    private BzImageLoader() {
    }

    public static LoadedBzImage load(Path file, GuestMemory memory) {
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment bytes = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return load(BzImage.parse(file.toString(), bytes), bytes, memory);
        } catch (IOException e) {
            throw new BootException(file + ": cannot read kernel: " + e.getMessage());
        }
    }

    /** Copies the protected-mode kernel of {@code file} (already parsed as {@code image}) into guest memory. */
    public static LoadedBzImage load(BzImage image, MemorySegment file, GuestMemory memory) {
        long load = loadAddress(image);
        long runtimeStart = image.relocatable() ? load : Math.max(saneOr(image.prefAddress(), load), load);
        long end = Math.max(runtimeStart + image.initSize(), load + image.kernelSize());
        if (!memory.contains(load, end - load)) {
            throw image.fail(String.format("kernel does not fit in guest RAM: it needs 0x%x..0x%x (load address 0x%x,"
                    + " init_size 0x%x), guest RAM below 4 GiB ends at 0x%x", load, end, load, image.initSize(),
                    memory.regions().getFirst().guestEnd()));
        }
        memory.slice(load, image.kernelSize()).copyFrom(file.asSlice(image.kernelOffset(), image.kernelSize()));
        return new LoadedBzImage(new LoadedKernel(load + ENTRY_64_OFFSET, load, end), image);
    }

    /** Where {@link #load} puts this kernel (see the class comment). */
    public static long loadAddress(BzImage image) {
        if (!image.relocatable()) {
            return NON_RELOCATABLE_LOAD_ADDRESS;
        }
        long base = saneOr(image.prefAddress(), DEFAULT_RELOCATABLE_LOAD_ADDRESS);
        long mask = image.kernelAlignment() - 1;
        return (base + mask) & ~mask;
    }

    /**
     * Copies an initrd to the top of low RAM, below the kernel's {@code initrd_addr_max} and above the memory the
     * kernel needs to decompress itself; returns where it landed, for {@link io.kvmj.vmm.boot.ZeroPage#write}.
     */
    public static PvhStartInfo.Module loadInitrd(Path initrd, GuestMemory memory, LoadedBzImage kernel) {
        return InitrdLoader.load(initrd, memory, kernel.kernel().imageEnd(), kernel.image().initrdAddrMax() + 1);
    }

    private static long saneOr(long address, long fallback) {
        return address >= NON_RELOCATABLE_LOAD_ADDRESS && address < MAX_PHYSICAL_ADDRESS ? address : fallback;
    }
}
