package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.LibcHeaders;
import io.kvmj.kvm.gen.libc.epoll_event;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An epoll instance: Java NIO cannot wait on eventfds or TAP fds, so the VMM's event loop waits here.
 * Each registered fd carries a 64-bit token that {@link #wait} hands back. Not thread-safe for waiting.
 */
public final class Epoll implements AutoCloseable {
    private static final long DATA_OFFSET = epoll_event.data$offset();
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    private final int capacity;

    public Epoll(int capacity) {
        this.capacity = capacity;
        this.fd = Libc.epollCreate1(LibcHeaders.EPOLL_CLOEXEC());
        this.events = epoll_event.allocateArray(capacity, arena);
    }

    /** Watches {@code watched} for readability; {@code token} identifies it in {@link #token}. */
    public void addReadable(int watched, long token) {
        add(watched, LibcHeaders.EPOLLIN(), token);
    }

    /**
     * Watches {@code watched} for {@code events} (EPOLLIN, EPOLLOUT, level-triggered); {@code token}
     * identifies it in {@link #token}. EPOLLERR and EPOLLHUP are always reported.
     */
    public void add(int watched, int events, long token) {
        control(LibcHeaders.EPOLL_CTL_ADD(), watched, events, token);
    }

    /** Changes the events and token of an fd already watched. */
    public void modify(int watched, int events, long token) {
        control(LibcHeaders.EPOLL_CTL_MOD(), watched, events, token);
    }

    /** Stops watching {@code watched}; events of it already returned by {@link #wait} stay in the buffer. */
    public void remove(int watched) {
        control(LibcHeaders.EPOLL_CTL_DEL(), watched, 0, 0);
    }

    private void control(int op, int watched, int events, long token) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment event = epoll_event.allocate(a);
            epoll_event.events(event, events);
            // epoll_event is packed on x86_64: its 64-bit data sits at offset 4, unaligned.
            event.set(ValueLayout.JAVA_LONG_UNALIGNED, DATA_OFFSET, token);
            Libc.epollCtl(fd, op, watched, event);
        }
    }

    /** Waits up to {@code timeoutMillis} (-1: forever); returns how many events are ready (0 on EINTR). */
    public int wait(int timeoutMillis) {
        int n = Libc.epollWaitRaw(fd, events, capacity, timeoutMillis);
        if (n < 0) {
            if (-n == LibcHeaders.EINTR()) {
                return 0;
            }
            throw new SyscallException("epoll_wait", -n);
        }
        return n;
    }

    /** The token of ready event {@code index} from the last {@link #wait}. */
    public long token(int index) {
        return epoll_event.asSlice(events, index).get(ValueLayout.JAVA_LONG_UNALIGNED, DATA_OFFSET);
    }

    /** The ready events (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP bits) of event {@code index} from the last {@link #wait}. */
    public int events(int index) {
        return epoll_event.events(epoll_event.asSlice(events, index));
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
