package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.LibcHeaders;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The syscall(2) layer: arguments reach the kernel as given, results and errnos come back. */
class LibcTest {
    @Test
    void readsAFile() {
        int fd = Libc.open("/dev/zero", LibcHeaders.O_RDONLY() | LibcHeaders.O_CLOEXEC(), 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64).fill((byte) 7);
            assertEquals(64, Libc.readRaw(fd, buf, 64));
            assertEquals(0, buf.get(ValueLayout.JAVA_BYTE, 63));
            assertEquals(16, Libc.preadRaw(fd, buf.asSlice(0, 16), 4096));
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void failuresComeBackAsMinusErrno() {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(-LibcHeaders.EBADF(), Libc.readRaw(-1, arena.allocate(8), 8));
        }
        SyscallException e = assertThrows(SyscallException.class, () -> Libc.close(-1));
        assertEquals("EBADF", e.errnoName());
    }

    /** A heap segment's address() is an array offset: passing it to the kernel would write anywhere. */
    @Test
    void heapSegmentsAreRefused() {
        MemorySegment heap = MemorySegment.ofArray(new byte[8]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Libc.readRaw(0, heap, 8));
        assertTrue(e.getMessage().contains("native memory"), e.getMessage());
    }

    @Test
    void threadIdsAreTheKernels() {
        int tid = Libc.gettid();
        assertTrue(tid > 0);
        assertNotEquals(0, Libc.getpid());
        assertEquals(tid, Libc.gettid(), "stable on one thread");
    }
}
