package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.LibcHeaders;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A one-shot Linux timerfd on CLOCK_MONOTONIC: readable once it expires, so an event loop waits for time the
 * way it waits for any other fd. Arming and reading belong to one thread at a time (the event loop's).
 */
public final class TimerFd implements AutoCloseable {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    // struct itimerspec: it_interval {tv_sec, tv_nsec}, it_value {tv_sec, tv_nsec}; interval stays 0 (one-shot).
    private final MemorySegment spec = arena.allocate(32, 8);
    private final MemorySegment buffer = arena.allocate(ValueLayout.JAVA_LONG);

    public TimerFd() {
        fd = Libc.timerfdCreate(UapiConstants.CLOCK_MONOTONIC, UapiConstants.TFD_NONBLOCK | UapiConstants.TFD_CLOEXEC);
    }

    public int fd() {
        return fd;
    }

    /** Expires once, {@code nanos} from now (at least 1 ns: 0 would disarm); replaces any earlier arming. */
    public void arm(long nanos) {
        set(Math.max(1, nanos));
    }

    public void disarm() {
        set(0);
    }

    private void set(long nanos) {
        spec.set(ValueLayout.JAVA_LONG, 16, nanos / NANOS_PER_SECOND);
        spec.set(ValueLayout.JAVA_LONG, 24, nanos % NANOS_PER_SECOND);
        Libc.timerfdSettime(fd, spec);
    }

    /** Reads and clears the expiry count; 0 when it has not expired (the fd is non-blocking). */
    public long drain() {
        long r = Libc.readRaw(fd, buffer, 8);
        if (r == 8) {
            return buffer.get(ValueLayout.JAVA_LONG, 0);
        }
        if (r < 0 && -r != LibcHeaders.EAGAIN()) {
            throw new SyscallException("timerfd read", (int) -r);
        }
        return 0;
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
