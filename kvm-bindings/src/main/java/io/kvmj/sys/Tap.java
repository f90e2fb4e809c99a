package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.LibcHeaders;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;

/**
 * A non-blocking Linux TAP interface fd (Documentation/networking/tuntap.rst) in the mode a virtio-net device
 * needs: Ethernet frames without the packet-information prefix (IFF_NO_PI), each preceded by a 12-byte
 * {@code struct virtio_net_hdr_v1} (IFF_VNET_HDR, TUNSETVNETHDRSZ 12), so the guest's header passes through
 * unchanged. Set-up failures throw {@link SyscallException} naming the operation and the interface; the data
 * path ({@link #read}, {@link #write}) returns minus errno instead, since EAGAIN is normal traffic.
 *
 * <p>Threads: one thread at a time (the event loop's) reads, writes and closes.
 */
public final class Tap implements AutoCloseable {
    /** struct virtio_net_hdr_v1 with num_buffers: the header the kernel reads and writes on every frame. */
    public static final int VNET_HDR_SIZE = 12;
    /** Longest interface name, in bytes: IFNAMSIZ less the terminating NUL. */
    public static final int MAX_NAME_BYTES = UapiConstants.IFNAMSIZ - 1;
    /** Most buffers one {@link #write} takes: the kernel's UIO_MAXIOV. */
    public static final int MAX_SEGMENTS = 1024;

    private static final String TUN_PATH = "/dev/net/tun";
    // struct ifreq: char ifr_name[IFNAMSIZ]; then a union whose short ifr_flags is at offset 16; 40 bytes.
    private static final int IFREQ_SIZE = 40;
    private static final int IFR_FLAGS = 16;
    // struct iovec { void *iov_base; size_t iov_len; }
    private static final int IOVEC_SIZE = 16;

    private final String name;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment iovecs = arena.allocate((long) IOVEC_SIZE * MAX_SEGMENTS, 8);
    private boolean closed;

    private Tap(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    /**
     * Attaches to the TAP interface {@code name}, creating it when there is none (a created interface goes
     * away when the fd is closed, unless made persistent elsewhere). Needs CAP_NET_ADMIN to create, or to
     * attach to an interface owned by someone else.
     *
     * @param name 1 to {@value #MAX_NAME_BYTES} bytes of UTF-8
     * @throws IllegalArgumentException for an empty or longer name, before any system call
     * @throws SyscallException naming the step and the interface: EPERM without the capability, EBUSY when
     *         another fd holds the interface (no IFF_MULTI_QUEUE), EINVAL when {@code name} is a TUN (not TAP)
     *         interface or not a valid name, ENOENT when the host has no /dev/net/tun
     */
    public static Tap open(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("TAP interface name must be 1 to " + MAX_NAME_BYTES + " bytes: '"
                    + name + "'");
        }
        int fd;
        try {
            fd = Libc.open(TUN_PATH, LibcHeaders.O_RDWR() | LibcHeaders.O_NONBLOCK() | LibcHeaders.O_CLOEXEC(), 0);
        } catch (SyscallException e) {
            throw new SyscallException("open " + TUN_PATH + " for TAP " + name, e.errno());
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment ifreq = call.allocate(IFREQ_SIZE, 8);
            MemorySegment.copy(bytes, 0, ifreq, ValueLayout.JAVA_BYTE, 0, bytes.length);
            ifreq.set(ValueLayout.JAVA_SHORT, IFR_FLAGS,
                    (short) (UapiConstants.IFF_TAP | UapiConstants.IFF_NO_PI | UapiConstants.IFF_VNET_HDR));
            Libc.ioctl(fd, UapiConstants.TUNSETIFF, ifreq, "TUNSETIFF " + name);
            MemorySegment headerSize = call.allocateFrom(ValueLayout.JAVA_INT, VNET_HDR_SIZE);
            Libc.ioctl(fd, UapiConstants.TUNSETVNETHDRSZ, headerSize, "TUNSETVNETHDRSZ " + name);
            return new Tap(name, fd);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    public String name() {
        return name;
    }

    /** The fd, for an event loop to watch: readable when a frame is queued, writable when one can be sent. */
    public int fd() {
        return fd;
    }

    /**
     * TUNSETOFFLOAD: which offloads the reader can take, {@code TUN_F_*} bits of {@link UapiConstants}. The
     * kernel keeps segmentation offloads (TSO4, TSO6) only together with TUN_F_CSUM, and then hands this fd
     * frames with partial checksums and GSO headers; with 0 every frame read is complete and checksummed.
     *
     * @throws SyscallException EINVAL for bits the kernel does not know
     */
    public void setOffload(int tunFlags) {
        Libc.ioctl(fd, UapiConstants.TUNSETOFFLOAD, Integer.toUnsignedLong(tunFlags), "TUNSETOFFLOAD " + name);
    }

    /**
     * Reads one frame, header first, into {@code into} (native memory); a frame longer than {@code into} is cut
     * short. Returns its length in bytes, or -EAGAIN when none is queued, or minus another errno (EBADFD once
     * the interface is deleted).
     */
    public long read(MemorySegment into) {
        return Libc.readRaw(fd, into, into.byteSize());
    }

    /**
     * Sends one frame, header first, gathered from {@code segments[0 .. count-1]} (native memory) in one
     * writev. Returns the bytes taken, or -EAGAIN when the interface's queue is full, or minus another errno
     * (EIO while the interface is down, EINVAL for a header the kernel refuses).
     *
     * @throws IllegalArgumentException for {@code count} outside 1..{@value #MAX_SEGMENTS}
     */
    public long write(MemorySegment[] segments, int count) {
        if (count < 1 || count > MAX_SEGMENTS) {
            throw new IllegalArgumentException("a frame is 1 to " + MAX_SEGMENTS + " buffers, not " + count);
        }
        for (int i = 0; i < count; i++) {
            MemorySegment s = segments[i];
            if (!s.isNative()) {
                throw new IllegalArgumentException("a TAP write needs native memory, not " + s);
            }
            iovecs.set(ValueLayout.JAVA_LONG, (long) IOVEC_SIZE * i, s.address());
            iovecs.set(ValueLayout.JAVA_LONG, (long) IOVEC_SIZE * i + 8, s.byteSize());
        }
        try {
            return Libc.writevRaw(fd, iovecs, count);
        } finally {
            Reference.reachabilityFence(segments); // the kernel reads through the addresses stored above
        }
    }

    /** Closes the fd; an interface this fd created (and nobody made persistent) is deleted. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "Tap[" + name + ", fd " + fd + "]";
    }
}
