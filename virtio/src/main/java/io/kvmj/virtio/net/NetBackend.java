package io.kvmj.virtio.net;

import java.lang.foreign.MemorySegment;

/**
 * Where a {@link NetDevice}'s frames go and come from: a non-blocking fd that carries Ethernet frames each
 * preceded by a 12-byte {@code struct virtio_net_hdr_v1}, as a Linux TAP with IFF_VNET_HDR does
 * ({@link TapBackend}). Data calls return minus errno rather than throw: -EAGAIN is flow control.
 * Used by one thread at a time (the event loop's).
 */
public interface NetBackend extends AutoCloseable {
    /** For log messages: the interface name. */
    String name();

    /** The fd the event loop watches: readable when a frame waits, writable when one can be sent. */
    int fd();

    /**
     * Reads one frame, header first, into {@code into} (native memory, at least
     * {@link NetDevice#MAX_FRAME_BYTES} bytes). Returns its length in bytes, -EAGAIN when none waits, or minus
     * another errno.
     */
    long read(MemorySegment into);

    /**
     * Sends one frame, header first, gathered from {@code segments[0 .. count-1]} (native memory, at most
     * {@link NetDevice#QUEUE_SIZE} of them). Returns the bytes taken, -EAGAIN when the backend cannot take it
     * now (then it is ready again once its fd is writable), or minus another errno (the frame is lost).
     */
    long write(MemorySegment[] segments, int count);

    /**
     * Which offloads frames read from the backend may carry, Linux {@code TUN_F_*} bits (partial checksums,
     * TSO4, TSO6, UFO), as the driver accepted them (virtio 1.2 section 5.1.6.4).
     *
     * @throws io.kvmj.sys.SyscallException when the backend refuses them
     */
    void setOffload(int tunFlags);

    /** Releases the fd; for VM teardown, not for a device reset. */
    @Override
    void close();
}
