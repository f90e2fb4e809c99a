package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.LibcHeaders;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A non-blocking AF_UNIX stream socket as a raw fd, so the VMM's epoll loop can watch it (Java NIO's
 * channels hide their fds) and data moves between it and guest memory without a copy.
 * Reads and writes return a count or a negative errno rather than throwing: a peer that goes away is
 * normal traffic for a device, not an error.
 */
public final class UnixSocket implements AutoCloseable {
    /** sun_path is 108 bytes, NUL included. */
    public static final int MAX_PATH_BYTES = 107;
    private static final int SOCKADDR_UN_SIZE = 110;

    private final int fd;
    private boolean closed;

    private UnixSocket(int fd) {
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    /** Binds and listens on {@code path} (which must not exist); throws SyscallException naming the path. */
    public static UnixSocket listen(String path, int backlog) {
        UnixSocket s = open();
        try (Arena arena = Arena.ofConfined()) {
            int r = Libc.bindRaw(s.fd, address(arena, path));
            if (r < 0) {
                throw new SyscallException("bind " + path, -r);
            }
            Libc.listen(s.fd, backlog);
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Connects to the listener at {@code path}. A Unix stream connect completes at once or fails
     * (ENOENT, ECONNREFUSED; EAGAIN when the listener's backlog is full); returns the socket or minus errno
     * in {@code error[0]} and null.
     */
    public static UnixSocket connect(String path, int[] error) {
        UnixSocket s = open();
        try (Arena arena = Arena.ofConfined()) {
            int r = Libc.connectRaw(s.fd, address(arena, path));
            if (r < 0) {
                error[0] = r;
                s.close();
                return null;
            }
            return s;
        }
    }

    /** The next pending connection, or null when there is none (EAGAIN) or accepting failed (EMFILE...). */
    public UnixSocket accept() {
        int r = Libc.accept4Raw(fd, UapiConstants.SOCK_NONBLOCK | UapiConstants.SOCK_CLOEXEC);
        return r < 0 ? null : new UnixSocket(r);
    }

    /** Reads into {@code into}: bytes read, 0 at end of stream, -EAGAIN when nothing is there, or minus errno. */
    public long read(MemorySegment into) {
        return Libc.readRaw(fd, into, into.byteSize());
    }

    /** Writes from {@code from} without SIGPIPE: bytes written, -EAGAIN when full, or minus errno (EPIPE...). */
    public long write(MemorySegment from) {
        return Libc.sendRaw(fd, from, from.byteSize(), UapiConstants.MSG_NOSIGNAL);
    }

    /** Shuts down the writing side: the peer reads end of stream. */
    public void shutdownOutput() {
        Libc.shutdownRaw(fd, UapiConstants.SHUT_WR);
    }

    /** Shuts down the reading side. */
    public void shutdownInput() {
        Libc.shutdownRaw(fd, UapiConstants.SHUT_RD);
    }

    public static boolean isAgain(long result) {
        return result == -LibcHeaders.EAGAIN();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }

    private static UnixSocket open() {
        return new UnixSocket(Libc.socket(UapiConstants.AF_UNIX,
                UapiConstants.SOCK_STREAM | UapiConstants.SOCK_NONBLOCK | UapiConstants.SOCK_CLOEXEC, 0));
    }

    private static MemorySegment address(Arena arena, String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("Unix socket path must be 1 to " + MAX_PATH_BYTES + " bytes: " + path);
        }
        MemorySegment sa = arena.allocate(SOCKADDR_UN_SIZE, 2);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) UapiConstants.AF_UNIX);
        MemorySegment.copy(bytes, 0, sa, ValueLayout.JAVA_BYTE, 2, bytes.length);
        return sa.asSlice(0, 2 + bytes.length + 1);
    }
}
