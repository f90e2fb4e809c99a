package io.kvmj.vmm.event;

import io.kvmj.kvm.gen.libc.LibcHeaders;

/**
 * Watching file descriptors for readiness: what a device gets of the event loop to add and remove its own
 * sources (sockets, TAP, eventfds, timerfds). Level-triggered, as epoll's default: a handler that leaves data
 * unread is called again, so a source that cannot make progress changes its interest with
 * {@link EventSource#modify} instead of spinning.
 */
public interface EventOps {
    /** epoll's EPOLLIN: data to read, a connection to accept, a timer or eventfd that fired. */
    int READABLE = LibcHeaders.EPOLLIN();
    /** epoll's EPOLLOUT: room to write. */
    int WRITABLE = LibcHeaders.EPOLLOUT();
    /** epoll's EPOLLHUP, always reported: the peer closed (reads then return end of stream). */
    int HANGUP = LibcHeaders.EPOLLHUP();
    /** epoll's EPOLLERR, always reported. */
    int ERROR = LibcHeaders.EPOLLERR();

    /**
     * Calls {@code handler} on the loop thread with the ready events each time {@code fd} is ready for one of
     * {@code events} (READABLE, WRITABLE or both; 0 to hear only HANGUP and ERROR). The fd must stay open
     * until the source is removed.
     */
    EventSource add(int fd, int events, ReadyHandler handler);

    /** What runs when a watched fd is ready. */
    @FunctionalInterface
    interface ReadyHandler {
        /** {@code events}: the ready bits, READABLE, WRITABLE, HANGUP, ERROR. */
        void ready(int events);
    }
}
