package io.kvmj.vmm.boot;

import io.kvmj.vmm.arch.x86.BootLayout;
import io.kvmj.vmm.memory.GuestMemory;

import java.nio.charset.StandardCharsets;

/** The kernel command line: its length limit, and its place in guest memory. */
public final class CommandLine {
    /**
     * Longest command line any x86 Linux takes, without the terminating NUL: COMMAND_LINE_SIZE (2048,
     * arch/x86/include/asm/setup.h) minus one. Early boot copies that many bytes into boot_command_line; the rest of
     * a longer line is cut off.
     */
    public static final int MAX_LENGTH = BootLayout.CMDLINE_CAPACITY - 1;
    static final String MAX_LENGTH_REASON = "x86 COMMAND_LINE_SIZE";

    private CommandLine() {
    }

    /** Length of the command line as the kernel sees it, in bytes, without the NUL. */
    public static int length(String cmdline) {
        return cmdline.getBytes(StandardCharsets.US_ASCII).length;
    }

    /**
     * @param maxLength bytes the kernel takes, without the NUL
     * @param reason    where that limit comes from, for the message
     * @throws BootException naming both lengths when {@code cmdline} is longer
     */
    public static void check(String cmdline, long maxLength, String reason) {
        int length = length(cmdline);
        if (length > maxLength) {
            throw new BootException("kernel command line too long: " + length + " bytes, the kernel takes at most "
                    + maxLength + " (" + reason + ")");
        }
    }

    /**
     * Writes the command line, NUL-terminated, at {@link BootLayout#CMDLINE_ADDRESS}; returns that address.
     *
     * @throws BootException if it is longer than {@link #MAX_LENGTH}
     */
    public static long write(GuestMemory memory, String cmdline) {
        check(cmdline, MAX_LENGTH, MAX_LENGTH_REASON);
        memory.slice(BootLayout.CMDLINE_ADDRESS, BootLayout.CMDLINE_CAPACITY).fill((byte) 0);
        memory.write(BootLayout.CMDLINE_ADDRESS, cmdline.getBytes(StandardCharsets.US_ASCII));
        return BootLayout.CMDLINE_ADDRESS;
    }
}
