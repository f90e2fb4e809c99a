package io.kvmj.vmm.boot;

import io.kvmj.vmm.arch.x86.BootLayout;
import io.kvmj.vmm.memory.GuestMemory;

import java.nio.charset.StandardCharsets;

/** Places the kernel command line, NUL-terminated, at its fixed guest address. */
public final class CommandLine {
    private CommandLine() {
    }

    public static long write(GuestMemory memory, String cmdline) {
        byte[] bytes = check(cmdline);
        memory.slice(BootLayout.CMDLINE_ADDRESS, BootLayout.CMDLINE_CAPACITY).fill((byte) 0);
        memory.write(BootLayout.CMDLINE_ADDRESS, bytes);
        return BootLayout.CMDLINE_ADDRESS;
    }

    /**
     * The command line's bytes, or a {@link BootException} when they do not fit the kernel's buffer with their
     * NUL ({@link BootLayout#CMDLINE_CAPACITY}, x86 COMMAND_LINE_SIZE).
     */
    public static byte[] check(String cmdline) {
        byte[] bytes = cmdline.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length + 1 > BootLayout.CMDLINE_CAPACITY) {
            throw new BootException("kernel command line is " + bytes.length + " bytes; the kernel takes at most "
                    + (BootLayout.CMDLINE_CAPACITY - 1) + " (x86 COMMAND_LINE_SIZE)");
        }
        return bytes;
    }
}
