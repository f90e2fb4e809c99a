package io.kvmj.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;

/** Reads and writes a KVM struct kept as its bytes, for the state records that hold one as is. */
final class StructBytes {
    private StructBytes() {
    }

    /** Runs the GET ioctl {@code request} on a zeroed struct of {@code size} bytes, prepared by {@code prepare}. */
    static byte[] get(int fd, long request, long size, Consumer<MemorySegment> prepare, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(size, 8);
            prepare.accept(s);
            Ioctl.call(fd, request, s, name);
            return s.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    static byte[] get(int fd, long request, long size, String name) {
        return get(fd, request, size, s -> { }, name);
    }

    /** Runs the SET ioctl {@code request} with {@code struct} as its argument. */
    static void set(int fd, long request, byte[] struct, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(struct.length, 8);
            s.copyFrom(MemorySegment.ofArray(struct));
            Ioctl.call(fd, request, s, name);
        }
    }

    /** Throws unless {@code struct} is exactly {@code size} bytes. */
    static byte[] requireSize(byte[] struct, long size, String what) {
        if (struct == null || struct.length != size) {
            throw new IllegalArgumentException(what + " must be " + size + " bytes, not "
                    + (struct == null ? "missing" : struct.length));
        }
        return struct;
    }
}
