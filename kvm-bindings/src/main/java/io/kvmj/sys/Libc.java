package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.LibcHeaders;
import io.kvmj.kvm.gen.libc.termios;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The system calls kvmj makes. Plain system calls all go through one downcall, {@code syscall(2)}, linked
 * with errno capture so a failure becomes a {@link SyscallException} naming the operation and errno:
 * linking a downcall costs milliseconds at start-up (each distinct signature spins its own classes), one
 * signature for all of them is linked once. Only what needs glibc itself (signal handlers' restorer, SIGRTMIN,
 * termios) is linked as a libc function, on first use. jextract cannot add {@code captureCallState}, so these
 * downcalls are linked here by hand; the generated package supplies constants, syscall numbers and layouts.
 */
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    // One capture buffer per thread: syscalls sit on hot paths (KVM_RUN) and must not allocate.
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    // Holder classes: each downcall is linked on first use. syscall is variadic after the number; every
    // argument is passed as a 64-bit integer, as the kernel takes them.
    private static final class SYSCALL {
        static final MethodHandle H = link("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    }
    // The same call without errno capture, for the one call made per guest exit (see ioctlNoErrno).
    private static final class SYSCALL_NO_ERRNO {
        static final MethodHandle H = linkPlain("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    }
    private static final class SIGNAL {
        static final MethodHandle H = link("signal", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    }
    // glibc's termios is not the kernel's: its tcgetattr/tcsetattr convert between the two.
    private static final class TCGETATTR {
        static final MethodHandle H = link("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class TCSETATTR {
        static final MethodHandle H = link("tcsetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }
    // These cannot fail; no errno capture.
    private static final class CFMAKERAW {
        static final MethodHandle H = linkPlain("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS));
    }
    private static final class SIGRTMIN {
        static final MethodHandle H = linkPlain("__libc_current_sigrtmin", FunctionDescriptor.of(JAVA_INT));
    }

    private Libc() {
    }

    /** Links the downcalls every VM's system calls go through, ahead of their first use. */
    public static void prelink() {
        getpid();
        ioctlNoErrno(-1, 0, 0);
    }

    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(options, 0, all, 1, options.length);
        return LINKER.downcallHandle(symbol(name), descriptor, all);
    }

    private static MethodHandle linkPlain(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    /** The address of a libc function, e.g. to install as a signal handler that runs no Java code. */
    public static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** syscall(2): the result, or minus errno. */
    private static long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
        MemorySegment capture = CAPTURE.get();
        try {
            long r = (long) SYSCALL.H.invokeExact(capture, number, a1, a2, a3, a4, a5, a6);
            return r == -1 ? -errno(capture) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static long syscall(long number, long a1, long a2, long a3, long a4) {
        return syscall(number, a1, a2, a3, a4, 0, 0);
    }

    private static long syscall(long number, long a1, long a2, long a3) {
        return syscall(number, a1, a2, a3, 0, 0, 0);
    }

    /**
     * The address a system call is given for {@code segment}. Only native memory has one; a heap segment's
     * "address" is an array offset the kernel would write through.
     */
    private static long address(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("a system call needs native memory, not " + segment);
        }
        return segment.address();
    }

    /** A syscall whose failure is an exception; returns its non-negative result. */
    private static long check(long result, String operation) {
        if (result < 0) {
            throw new SyscallException(operation, (int) -result);
        }
        return result;
    }

    /** ioctl returning its non-negative result; -1 becomes a SyscallException named {@code operation}. */
    public static int ioctl(int fd, long request, long arg, String operation) {
        return (int) check(ioctlRaw(fd, request, arg), operation);
    }

    public static int ioctl(int fd, long request, MemorySegment arg, String operation) {
        try {
            return ioctl(fd, request, address(arg), operation);
        } finally {
            Reference.reachabilityFence(arg); // the kernel reads and writes it during the call
        }
    }

    /** ioctl returning the result, or minus errno, for callers that treat some errnos as normal (KVM_RUN). */
    public static int ioctlRaw(int fd, long request, long arg) {
        return (int) syscall(LibcHeaders.SYS_ioctl(), fd, request, arg);
    }

    /**
     * ioctl returning its result, or -1 on any failure, without saying which errno. The JDK's errno capture
     * allocates a segment per call (SharedUtils.checkCaptureSegment), which the C2 compiler removes and C1,
     * kvmj's compiler, does not; KVM_RUN runs once per guest exit and must not allocate, so it calls this
     * and asks {@link #ioctlRaw} for the errno only when a failure is not the expected kick.
     */
    public static int ioctlNoErrno(int fd, long request, long arg) {
        try {
            long r = (long) SYSCALL_NO_ERRNO.H.invokeExact((long) LibcHeaders.SYS_ioctl(), (long) fd, request, arg,
                    0L, 0L, 0L);
            return (int) r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int open(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) check(syscall(LibcHeaders.SYS_openat(), LibcHeaders.AT_FDCWD(),
                    address(arena.allocateFrom(path)), flags, mode), "open " + path);
        }
    }

    public static void close(int fd) {
        check(syscall(LibcHeaders.SYS_close(), fd, 0, 0), "close");
    }

    /** read(2); returns bytes read, 0 at end of file, or minus errno. */
    public static long readRaw(int fd, MemorySegment buf, long len) {
        try {
            return syscall(LibcHeaders.SYS_read(), fd, address(buf), len);
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    /** write(2); returns bytes written or minus errno. */
    public static long writeRaw(int fd, MemorySegment buf, long len) {
        try {
            return syscall(LibcHeaders.SYS_write(), fd, address(buf), len);
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    /**
     * writev(2) of {@code count} struct iovec at {@code iov}; returns bytes written or minus errno. The buffers
     * the iovecs point to must stay alive through the call: the caller keeps them reachable.
     */
    public static long writevRaw(int fd, MemorySegment iov, int count) {
        try {
            return syscall(UapiConstants.SYS_WRITEV, fd, address(iov), count);
        } finally {
            Reference.reachabilityFence(iov);
        }
    }

    /** pread(2); returns bytes read (0 at end of file) or minus errno. */
    public static long preadRaw(int fd, MemorySegment buf, long offset) {
        try {
            return syscall(LibcHeaders.SYS_pread64(), fd, address(buf), buf.byteSize(), offset);
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    /** pwrite(2); returns bytes written or minus errno. */
    public static long pwriteRaw(int fd, MemorySegment buf, long offset) {
        try {
            return syscall(LibcHeaders.SYS_pwrite64(), fd, address(buf), buf.byteSize(), offset);
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    public static void fdatasync(int fd) {
        check(syscall(LibcHeaders.SYS_fdatasync(), fd, 0, 0), "fdatasync");
    }

    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String operation) {
        long address = check(syscall(LibcHeaders.SYS_mmap(), 0, length, prot, flags, fd, offset), operation);
        return MemorySegment.ofAddress(address).reinterpret(length);
    }

    public static void munmap(MemorySegment mapping) {
        check(syscall(LibcHeaders.SYS_munmap(), address(mapping), mapping.byteSize(), 0), "munmap");
    }

    public static void madvise(MemorySegment range, int advice, String operation) {
        check(syscall(LibcHeaders.SYS_madvise(), address(range), range.byteSize(), advice), operation);
    }

    public static int eventfd(int initval, int flags) {
        return (int) check(syscall(LibcHeaders.SYS_eventfd2(), initval, flags, 0), "eventfd");
    }

    /** signal(3): installs {@code handler}, a native function, for {@code signal}. */
    public static void signal(int signal, MemorySegment handler) {
        MemorySegment capture = CAPTURE.get();
        try {
            MemorySegment previous = (MemorySegment) SIGNAL.H.invokeExact(capture, signal, handler);
            if (previous.address() == -1L) { // SIG_ERR
                throw new SyscallException("signal " + signal, errno(capture));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void tcgetattr(int fd, MemorySegment termios) {
        MemorySegment capture = CAPTURE.get();
        try {
            if ((int) TCGETATTR.H.invokeExact(capture, fd, termios) < 0) {
                throw new SyscallException("tcgetattr", errno(capture));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void tcsetattr(int fd, int when, MemorySegment termios) {
        MemorySegment capture = CAPTURE.get();
        try {
            if ((int) TCSETATTR.H.invokeExact(capture, fd, when, termios) < 0) {
                throw new SyscallException("tcsetattr", errno(capture));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void cfmakeraw(MemorySegment termios) {
        try {
            CFMAKERAW.H.invokeExact(termios);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** isatty(3) asks the same question: does the terminal ioctl TCGETS work on it? */
    public static boolean isatty(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return ioctlRaw(fd, LibcHeaders.TCGETS(), termios.allocate(arena).address()) >= 0;
        }
    }

    public static int getpid() {
        return (int) syscall(LibcHeaders.SYS_getpid(), 0, 0, 0);
    }

    /** The calling thread's kernel thread id, the handle {@link #tgkill} needs to signal it. */
    public static int gettid() {
        return (int) syscall(LibcHeaders.SYS_gettid(), 0, 0, 0);
    }

    /** Sends {@code signal} to thread {@code tid} of this process. */
    public static void tgkill(int tid, int signal) {
        check(syscall(LibcHeaders.SYS_tgkill(), getpid(), tid, signal), "tgkill");
    }

    public static int epollCreate1(int flags) {
        return (int) check(syscall(LibcHeaders.SYS_epoll_create1(), flags, 0, 0), "epoll_create1");
    }

    public static void epollCtl(int epfd, int op, int fd, MemorySegment event) {
        try {
            check(syscall(LibcHeaders.SYS_epoll_ctl(), epfd, op, fd, address(event)), "epoll_ctl");
        } finally {
            Reference.reachabilityFence(event);
        }
    }

    /** epoll_wait; returns the number of ready events, or minus errno (EINTR is normal). */
    public static int epollWaitRaw(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        // epoll_pwait with no signal mask is epoll_wait (which some architectures lack).
        try {
            return (int) syscall(LibcHeaders.SYS_epoll_pwait(), epfd, address(events), maxEvents, timeoutMillis, 0, 0);
        } finally {
            Reference.reachabilityFence(events);
        }
    }

    /** fallocate(2): punch holes and zero ranges in block-device backing files. */
    public static void fallocate(int fd, int mode, long offset, long length) {
        check(syscall(LibcHeaders.SYS_fallocate(), fd, mode, offset, length), "fallocate");
    }

    /** Fills {@code buffer} from the kernel's CSPRNG (getrandom(2)), retrying short reads and EINTR. */
    public static void getrandom(MemorySegment buffer) {
        long done = 0;
        while (done < buffer.byteSize()) {
            long n = syscall(LibcHeaders.SYS_getrandom(), address(buffer) + done, buffer.byteSize() - done, 0);
            if (n == -LibcHeaders.EINTR()) {
                continue;
            }
            done += check(n, "getrandom");
        }
        Reference.reachabilityFence(buffer);
    }

    /** timerfd_create(2) on {@code clock}; returns the fd. */
    public static int timerfdCreate(int clock, int flags) {
        return (int) check(syscall(UapiConstants.SYS_TIMERFD_CREATE, clock, flags, 0), "timerfd_create");
    }

    /** timerfd_settime(2) with relative {@code itimerspec} (interval then value, each seconds and nanoseconds). */
    public static void timerfdSettime(int fd, MemorySegment itimerspec) {
        try {
            check(syscall(UapiConstants.SYS_TIMERFD_SETTIME, fd, 0, address(itimerspec), 0), "timerfd_settime");
        } finally {
            Reference.reachabilityFence(itimerspec);
        }
    }

    /** socket(2); returns the fd. */
    public static int socket(int domain, int type, int protocol) {
        return (int) check(syscall(UapiConstants.SYS_SOCKET, domain, type, protocol), "socket");
    }

    /** bind(2); returns 0 or minus errno. */
    public static int bindRaw(int fd, MemorySegment address) {
        try {
            return (int) syscall(UapiConstants.SYS_BIND, fd, address(address), address.byteSize());
        } finally {
            Reference.reachabilityFence(address);
        }
    }

    /** connect(2); returns 0 or minus errno. */
    public static int connectRaw(int fd, MemorySegment address) {
        try {
            return (int) syscall(UapiConstants.SYS_CONNECT, fd, address(address), address.byteSize());
        } finally {
            Reference.reachabilityFence(address);
        }
    }

    public static void listen(int fd, int backlog) {
        check(syscall(UapiConstants.SYS_LISTEN, fd, backlog, 0), "listen");
    }

    /** accept4(2) without the peer address; returns the new fd or minus errno. */
    public static int accept4Raw(int fd, int flags) {
        return (int) syscall(UapiConstants.SYS_ACCEPT4, fd, 0, 0, flags);
    }

    /** send(2), as sendto with no address; returns bytes sent or minus errno. */
    public static long sendRaw(int fd, MemorySegment buf, long len, int flags) {
        try {
            return syscall(UapiConstants.SYS_SENDTO, fd, address(buf), len, flags, 0, 0);
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    /** shutdown(2); returns 0 or minus errno (ENOTCONN once the peer is gone is normal). */
    public static int shutdownRaw(int fd, int how) {
        return (int) syscall(UapiConstants.SYS_SHUTDOWN, fd, how, 0);
    }

    /** unlink(2) as unlinkat(AT_FDCWD); returns 0 or minus errno. */
    public static int unlinkRaw(String path) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) syscall(UapiConstants.SYS_UNLINKAT, LibcHeaders.AT_FDCWD(), address(arena.allocateFrom(path)), 0);
        }
    }

    /** SIGRTMIN is a macro over this call: glibc reserves the first real-time signals for itself. */
    public static int sigrtmin() {
        try {
            return (int) SIGRTMIN.H.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
