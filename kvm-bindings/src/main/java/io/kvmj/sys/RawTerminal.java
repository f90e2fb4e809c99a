package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.LibcHeaders;
import io.kvmj.kvm.gen.libc.termios;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Puts a terminal into raw mode (every key straight to the guest, Ctrl-C included) and restores the saved
 * settings on {@link #close()}.
 */
public final class RawTerminal implements AutoCloseable {
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment saved = termios.allocate(arena);
    private boolean restored;

    private RawTerminal(int fd) {
        this.fd = fd;
        Libc.tcgetattr(fd, saved);
        MemorySegment raw = termios.allocate(arena);
        raw.copyFrom(saved);
        Libc.cfmakeraw(raw);
        // Keep output post-processing so the host's own messages still start at column 0.
        termios.c_oflag(raw, termios.c_oflag(saved));
        Libc.tcsetattr(fd, LibcHeaders.TCSANOW(), raw);
    }

    /** Raw mode on {@code fd} if it is a terminal; null otherwise (a pipe or file needs nothing). */
    public static RawTerminal enterIfTerminal(int fd) {
        return Libc.isatty(fd) ? new RawTerminal(fd) : null;
    }

    @Override
    public synchronized void close() {
        if (!restored) {
            restored = true;
            Libc.tcsetattr(fd, LibcHeaders.TCSANOW(), saved);
            arena.close();
        }
    }
}
