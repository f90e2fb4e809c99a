package io.kvmj.sys;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrnoTest {
    @Test
    void namesAndDescribesErrnos() {
        assertEquals("EINTR", Errno.name(4));
        assertEquals("ENOENT", Errno.name(2));
        assertTrue(Errno.describe(2).contains("No such file"));
        assertTrue(Errno.name(100000).contains("100000"), "unknown errno still gives a name");
    }

    @Test
    void failedSyscallCarriesOperationAndErrno() {
        SyscallException e = assertThrows(SyscallException.class,
                () -> Libc.open("/nonexistent/kvmj", 0, 0));
        assertEquals("ENOENT", e.errnoName());
        assertEquals(2, e.errno());
        assertTrue(e.getMessage().startsWith("open /nonexistent/kvmj failed: ENOENT"), e.getMessage());
    }

    @Test
    void eventFdSignalsAndCloses() {
        try (EventFd fd = new EventFd()) {
            assertTrue(fd.fd() > 2);
            fd.signal();
            fd.signal();
        }
    }
}
