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

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
