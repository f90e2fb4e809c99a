package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.LibcHeaders;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls kvmj makes, each linked with errno capture so a failure becomes a {@link SyscallException}
 * naming the operation and errno. jextract cannot add {@code captureCallState}, so these downcalls are
 * linked here by hand; the generated package supplies constants and struct layouts.
 */
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    // One capture buffer per thread: syscalls sit on hot paths (KVM_RUN) and must not allocate.
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    // Each downcall is linked on first use (holder classes): linking costs milliseconds at startup, and most
    // runs need only a few of them.
    // ioctl is variadic; every request kvmj makes passes one pointer-sized argument.
    private static final class IOCTL {
        static final MethodHandle H = link("ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    }
    private static final class OPEN {
        static final MethodHandle H = link("open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    }
    private static final class CLOSE {
        static final MethodHandle H = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class READ {
        static final MethodHandle H = link("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class WRITE {
        static final MethodHandle H = link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class MMAP {
        static final MethodHandle H = link("mmap",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    }
    private static final class MUNMAP {
        static final MethodHandle H = link("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class MADVISE {
        static final MethodHandle H = link("madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }
    private static final class EVENTFD {
        static final MethodHandle H = link("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class SIGACTION {
        static final MethodHandle H = link("sigaction", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }
    private static final class TCGETATTR {
        static final MethodHandle H = link("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class TCSETATTR {
        static final MethodHandle H = link("tcsetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class PREAD {
        static final MethodHandle H = link("pread",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }
    private static final class PWRITE {
        static final MethodHandle H = link("pwrite",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }
    private static final class FDATASYNC {
        static final MethodHandle H = link("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class EPOLL_CREATE1 {
        static final MethodHandle H = link("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class EPOLL_CTL {
        static final MethodHandle H = link("epoll_ctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class EPOLL_WAIT {
        static final MethodHandle H = link("epoll_wait",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }
    private static final class FALLOCATE {
        static final MethodHandle H = link("fallocate",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    }
    private static final class GETRANDOM {
        static final MethodHandle H = link("getrandom", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT));
    }
    // These report errors through their return value (pthread) or cannot fail; no errno capture.
    private static final class ISATTY {
        static final MethodHandle H = linkPlain("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class PTHREAD_SELF {
        static final MethodHandle H = linkPlain("pthread_self", FunctionDescriptor.of(JAVA_LONG));
    }
    private static final class PTHREAD_KILL {
        static final MethodHandle H = linkPlain("pthread_kill", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    }
    private static final class CFMAKERAW {
        static final MethodHandle H = linkPlain("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS));
    }
    private static final class SIGRTMIN {
        static final MethodHandle H = linkPlain("__libc_current_sigrtmin", FunctionDescriptor.of(JAVA_INT));
    }

    private Libc() {
    }

    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(options, 0, all, 1, options.length);
        return LINKER.downcallHandle(symbol(name), descriptor, all);
    }

    private static MethodHandle linkPlain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
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

    /** ioctl returning its non-negative result; -1 becomes a SyscallException named {@code operation}. */
    public static int ioctl(int fd, long request, long arg, String operation) {
        int r = ioctlRaw(fd, request, arg);
        if (r < 0) {
            throw new SyscallException(operation, -r);
        }
        return r;
    }

    public static int ioctl(int fd, long request, MemorySegment arg, String operation) {
        return ioctl(fd, request, arg.address(), operation);
    }

    /** ioctl returning the result, or minus errno, for callers that treat some errnos as normal (KVM_RUN). */
    public static int ioctlRaw(int fd, long request, long arg) {
        MemorySegment capture = CAPTURE.get();
        try {
            int r = (int) IOCTL.H.invokeExact(capture, fd, request, arg);
            return r < 0 ? -errno(capture) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int open(String path, int flags, int mode) {
        MemorySegment capture = CAPTURE.get();
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.H.invokeExact(capture, arena.allocateFrom(path), flags, mode);
            if (fd < 0) {
                throw new SyscallException("open " + path, errno(capture));
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void close(int fd) {
        MemorySegment capture = CAPTURE.get();
        try {
            if ((int) CLOSE.H.invokeExact(capture, fd) < 0) {
                throw new SyscallException("close", errno(capture));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** read(2); returns bytes read, 0 at end of file, or minus errno. */
    public static long readRaw(int fd, MemorySegment buf, long len) {
        MemorySegment capture = CAPTURE.get();
        try {
            long r = (long) READ.H.invokeExact(capture, fd, buf, len);
            return r < 0 ? -errno(capture) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** write(2); returns bytes written or minus errno. */
    public static long writeRaw(int fd, MemorySegment buf, long len) {
        MemorySegment capture = CAPTURE.get();
        try {
            long r = (long) WRITE.H.invokeExact(capture, fd, buf, len);
            return r < 0 ? -errno(capture) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pread(2); returns bytes read (0 at end of file) or minus errno. */
    public static long preadRaw(int fd, MemorySegment buf, long offset) {
        MemorySegment capture = CAPTURE.get();
        try {
            long r = (long) PREAD.H.invokeExact(capture, fd, buf, buf.byteSize(), offset);
            return r < 0 ? -errno(capture) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pwrite(2); returns bytes written or minus errno. */
    public static long pwriteRaw(int fd, MemorySegment buf, long offset) {
        MemorySegment capture = CAPTURE.get();
        try {
            long r = (long) PWRITE.H.invokeExact(capture, fd, buf, buf.byteSize(), offset);
            return r < 0 ? -errno(capture) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void fdatasync(int fd) {
        MemorySegment capture = CAPTURE.get();
        try {
            if ((int) FDATASYNC.H.invokeExact(capture, fd) < 0) {
                throw new SyscallException("fdatasync", errno(capture));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String operation) {
        MemorySegment capture = CAPTURE.get();
        try {
            MemorySegment p = (MemorySegment) MMAP.H.invokeExact(capture, MemorySegment.NULL, length, prot, flags, fd,
                    offset);
            if (p.address() == -1L) {
                throw new SyscallException(operation, errno(capture));
            }
            return p.reinterpret(length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void munmap(MemorySegment mapping) {
        MemorySegment capture = CAPTURE.get();
        try {
            if ((int) MUNMAP.H.invokeExact(capture, mapping, mapping.byteSize()) < 0) {
                throw new SyscallException("munmap", errno(capture));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void madvise(MemorySegment range, int advice, String operation) {
        MemorySegment capture = CAPTURE.get();
        try {
            if ((int) MADVISE.H.invokeExact(capture, range, range.byteSize(), advice) < 0) {
                throw new SyscallException(operation, errno(capture));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int eventfd(int initval, int flags) {
        MemorySegment capture = CAPTURE.get();
        try {
            int fd = (int) EVENTFD.H.invokeExact(capture, initval, flags);
            if (fd < 0) {
                throw new SyscallException("eventfd", errno(capture));
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void sigaction(int signal, MemorySegment action, MemorySegment old) {
        MemorySegment capture = CAPTURE.get();
        try {
            if ((int) SIGACTION.H.invokeExact(capture, signal, action, old) < 0) {
                throw new SyscallException("sigaction " + signal, errno(capture));
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

    public static boolean isatty(int fd) {
        try {
            return (int) ISATTY.H.invokeExact(fd) == 1;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The calling thread's pthread_t, the handle {@link #pthreadKill} needs to signal it. */
    public static long pthreadSelf() {
        try {
            return (long) PTHREAD_SELF.H.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void pthreadKill(long thread, int signal) {
        try {
            int r = (int) PTHREAD_KILL.H.invokeExact(thread, signal);
            if (r != 0) {
                throw new SyscallException("pthread_kill", r);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int epollCreate1(int flags) {
        MemorySegment capture = CAPTURE.get();
        try {
            int fd = (int) EPOLL_CREATE1.H.invokeExact(capture, flags);
            if (fd < 0) {
                throw new SyscallException("epoll_create1", errno(capture));
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void epollCtl(int epfd, int op, int fd, MemorySegment event) {
        MemorySegment capture = CAPTURE.get();
        try {
            if ((int) EPOLL_CTL.H.invokeExact(capture, epfd, op, fd, event) < 0) {
                throw new SyscallException("epoll_ctl", errno(capture));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** epoll_wait; returns the number of ready events, or minus errno (EINTR is normal). */
    public static int epollWaitRaw(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        MemorySegment capture = CAPTURE.get();
        try {
            int n = (int) EPOLL_WAIT.H.invokeExact(capture, epfd, events, maxEvents, timeoutMillis);
            return n < 0 ? -errno(capture) : n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** fallocate(2): punch holes and zero ranges in block-device backing files. */
    public static void fallocate(int fd, int mode, long offset, long length) {
        MemorySegment capture = CAPTURE.get();
        try {
            if ((int) FALLOCATE.H.invokeExact(capture, fd, mode, offset, length) < 0) {
                throw new SyscallException("fallocate", errno(capture));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Fills {@code buffer} from the kernel's CSPRNG (getrandom(2)), retrying short reads and EINTR. */
    public static void getrandom(MemorySegment buffer) {
        MemorySegment capture = CAPTURE.get();
        long done = 0;
        try {
            while (done < buffer.byteSize()) {
                long n = (long) GETRANDOM.H.invokeExact(capture, buffer.asSlice(done), buffer.byteSize() - done, 0);
                if (n < 0) {
                    int errno = errno(capture);
                    if (errno == LibcHeaders.EINTR()) {
                        continue;
                    }
                    throw new SyscallException("getrandom", errno);
                }
                done += n;
            }
        } catch (Throwable t) {
            throw rethrow(t);
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
