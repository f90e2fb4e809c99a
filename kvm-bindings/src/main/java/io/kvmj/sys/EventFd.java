package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.LibcHeaders;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A Linux eventfd: the doorbell KVM's irqfd and ioeventfd use to pass interrupts and notifications. */
public final class EventFd implements AutoCloseable {
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment one = arena.allocateFrom(ValueLayout.JAVA_LONG, 1L);
    // Only the thread that owns the fd's readiness (its event loop) drains it.
    private final MemorySegment buffer = arena.allocate(ValueLayout.JAVA_LONG);

    public EventFd() {
        fd = Libc.eventfd(0, LibcHeaders.EFD_CLOEXEC() | LibcHeaders.EFD_NONBLOCK());
    }

    public int fd() {
        return fd;
    }

    /** Adds one to the counter, waking whoever waits on it (for an irqfd: KVM injects the interrupt). */
    public void signal() {
        long r = Libc.writeRaw(fd, one, 8);
        // EAGAIN means the counter is saturated: the event is already pending, which is all a doorbell needs.
        if (r < 0 && -r != LibcHeaders.EAGAIN()) {
            throw new SyscallException("eventfd write", (int) -r);
        }
    }

    /** Reads and clears the counter; returns 0 when nothing was pending (the fd is non-blocking). */
    public long drain() {
        long r = Libc.readRaw(fd, buffer, 8);
        if (r == 8) {
            return buffer.get(ValueLayout.JAVA_LONG, 0);
        }
        if (r < 0 && -r != LibcHeaders.EAGAIN()) {
            throw new SyscallException("eventfd read", (int) -r);
        }
        return 0;
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
