package io.kvmj.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** errno numbers to their symbolic names ("EINTR") and descriptions, as glibc knows them. */
public final class Errno {
    private static final MethodHandle STRERRORNAME = handle("strerrorname_np");
    private static final MethodHandle STRERROR = handle("strerror");

    private Errno() {
    }

    private static MethodHandle handle(String name) {
        return Linker.nativeLinker().downcallHandle(Libc.symbol(name), FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    public static String name(int errno) {
        String s = call(STRERRORNAME, errno);
        return s == null ? "errno " + errno : s;
    }

    public static String describe(int errno) {
        String s = call(STRERROR, errno);
        return s == null ? "unknown error" : s;
    }

    private static String call(MethodHandle h, int errno) {
        try {
            MemorySegment p = (MemorySegment) h.invokeExact(errno);
            return p.equals(MemorySegment.NULL) ? null : p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }
}
