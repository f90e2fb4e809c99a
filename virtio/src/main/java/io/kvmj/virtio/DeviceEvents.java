package io.kvmj.virtio;

import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.event.EventOps;
import io.kvmj.vmm.event.EventSource;

/**
 * The event loop as an active device sees it: the device adds its own fds (sockets, TAP, timerfds) with
 * {@link EventOps} interest bits. Handlers run on the loop thread serialized with the device's queue
 * processing, never after the device was reset, and all sources still added are removed at reset, before
 * {@link VirtioDevice#reset} runs (so the device may then close the fds). A handler that finds the guest's
 * queues broken throws {@link VirtqueueException}: the device then needs a reset (virtio 1.2 section 2.1.2).
 */
public interface DeviceEvents {
    /** What runs when a device's fd is ready. */
    @FunctionalInterface
    interface Handler {
        /** {@code events}: the ready bits ({@link EventOps#READABLE}, WRITABLE, HANGUP, ERROR). */
        void ready(int events) throws VirtqueueException;
    }

    /** Watches {@code fd} for {@code events}; the fd must stay open until the source is removed. */
    EventSource add(int fd, int events, Handler handler);
}
