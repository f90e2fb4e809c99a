package io.kvmj.vmm.boot;

import io.kvmj.vmm.boot.bzimage.BzImage;
import io.kvmj.vmm.boot.bzimage.KernelFormat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A kernel file looked at before the VM exists (no KVM needed): how it boots, and the longest command line it takes,
 * so that a kernel or command line that cannot work is reported as the user's error on any host.
 *
 * @param path                the kernel file
 * @param bootPath            how it boots
 * @param maxCmdlineLength    longest command line it takes, in bytes without the NUL: {@link CommandLine#MAX_LENGTH},
 *                            or less when a bzImage's cmdline_size says so
 * @param maxCmdlineReason    where that limit comes from, for messages
 */
public record KernelImage(Path path, BootPath bootPath, long maxCmdlineLength, String maxCmdlineReason) {
    /**
     * Reads the kernel's headers (the ELF program headers and notes, or the bzImage setup header).
     *
     * @throws BootException if the file cannot be read or is neither a bootable ELF nor a bzImage
     */
    public static KernelImage inspect(Path kernel) {
        KernelFormat format = KernelFormat.detect(kernel);
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(kernel, StandardOpenOption.READ)) {
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return switch (format) {
                case ELF -> {
                    BootPath path = PvhElfLoader.hasPvhEntry(new ElfImage(kernel.toString(), file))
                            ? BootPath.PVH_ELF : BootPath.LINUX64_ELF;
                    yield new KernelImage(kernel, path, CommandLine.MAX_LENGTH, CommandLine.MAX_LENGTH_REASON);
                }
                case BZIMAGE -> {
                    long own = BzImage.parse(kernel.toString(), file).cmdlineSize();
                    yield own < CommandLine.MAX_LENGTH
                            ? new KernelImage(kernel, BootPath.LINUX64_BZIMAGE, own, kernel + ": its cmdline_size")
                            : new KernelImage(kernel, BootPath.LINUX64_BZIMAGE, CommandLine.MAX_LENGTH,
                                    CommandLine.MAX_LENGTH_REASON);
                }
            };
        } catch (IOException e) {
            throw new BootException(kernel + ": cannot read kernel: " + e.getMessage());
        }
    }

    /** @throws BootException in one line naming both lengths when this kernel cannot take {@code cmdline} */
    public void checkCmdline(String cmdline) {
        CommandLine.check(cmdline, maxCmdlineLength, maxCmdlineReason);
    }
}
