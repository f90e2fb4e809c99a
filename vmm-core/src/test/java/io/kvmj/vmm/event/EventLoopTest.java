package io.kvmj.vmm.event;

import io.kvmj.sys.EventFd;
import io.kvmj.sys.TimerFd;
import io.kvmj.sys.UnixSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop driven by hand with {@link EventLoop#dispatch} (never started), on real fds. */
class EventLoopTest {
    @TempDir
    Path dir;
    private final EventLoop loop = new EventLoop();
    private final Arena arena = Arena.ofConfined();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        loop.close();
        for (AutoCloseable c : open) {
            c.close();
        }
        arena.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    /** A connected pair of non-blocking Unix stream sockets: {accepted, connecting}. */
    private UnixSocket[] pair() {
        String path = dir.resolve("s" + open.size()).toString();
        UnixSocket listener = keep(UnixSocket.listen(path, 4));
        UnixSocket client = keep(UnixSocket.connect(path, new int[1]));
        assertNotNull(client);
        UnixSocket server = keep(listener.accept());
        assertNotNull(server);
        return new UnixSocket[] {server, client};
    }

    @Test
    void socketReadableThenWritableInterest() {
        UnixSocket[] p = pair();
        List<Integer> seen = new ArrayList<>();
        EventSource s = loop.add(p[0].fd(), EventOps.READABLE, seen::add);
        assertEquals(0, loop.dispatch(0), "nothing to read yet");
        p[1].write(arena.allocateFrom("hi"));
        assertEquals(1, loop.dispatch(0));
        assertEquals(EventOps.READABLE, seen.getFirst() & EventOps.READABLE);
        s.modify(EventOps.WRITABLE);
        seen.clear();
        loop.dispatch(0);
        assertEquals(EventOps.WRITABLE, seen.getFirst() & (EventOps.READABLE | EventOps.WRITABLE),
                "data is still unread, but only writability was asked for");
        s.modify(0);
        p[1].close();
        seen.clear();
        loop.dispatch(0);
        assertTrue((seen.getFirst() & EventOps.HANGUP) != 0, "a hang-up is reported whatever the interest");
    }

    @Test
    void removedSourcesAreNotCalledEvenFromTheSameBatch() {
        try (EventFd a = new EventFd(); EventFd b = new EventFd()) {
            List<String> seen = new ArrayList<>();
            EventSource[] sb = new EventSource[1];
            EventSource sa = loop.add(a.fd(), EventOps.READABLE, ready -> {
                a.drain();
                seen.add("a");
                sb[0].remove(); // b is already in this batch
            });
            sb[0] = loop.add(b.fd(), EventOps.READABLE, ready -> {
                b.drain();
                seen.add("b");
                sa.remove();
            });
            a.signal();
            b.signal();
            loop.dispatch(0);
            assertEquals(1, seen.size(), "whichever ran first removed the other: " + seen);
            sa.remove();
            sb[0].remove(); // idempotent
        }
    }

    @Test
    void timerFiresOnceArmed() {
        TimerFd timer = keep(new TimerFd());
        List<Long> expiries = new ArrayList<>();
        loop.add(timer.fd(), EventOps.READABLE, ready -> expiries.add(timer.drain()));
        assertEquals(0, loop.dispatch(0));
        timer.arm(1);
        assertEquals(1, loop.dispatch(-1)); // waits for the expiry, however long it takes
        assertEquals(List.of(1L), expiries);
        timer.arm(3_600_000_000_000L);
        timer.disarm();
        assertEquals(0, loop.dispatch(0));
    }

    @Test
    void aThrowingHandlerDoesNotStopTheLoop() {
        try (EventFd a = new EventFd(); EventFd b = new EventFd()) {
            List<String> seen = new ArrayList<>();
            loop.register(a, () -> {
                throw new IllegalStateException("broken device");
            });
            loop.register(b, () -> seen.add("b"));
            a.signal();
            b.signal();
            assertEquals(2, loop.dispatch(0));
            assertEquals(List.of("b"), seen);
        }
    }

    @Test
    void socketDataMovesWithoutCopiesThroughSegments() {
        UnixSocket[] p = pair();
        MemorySegment out = arena.allocateFrom("payload");
        assertEquals(out.byteSize(), p[1].write(out));
        MemorySegment in = arena.allocate(64);
        assertEquals(out.byteSize(), p[0].read(in));
        assertEquals("payload", in.getString(0));
        assertTrue(UnixSocket.isAgain(p[0].read(in)));
        p[1].shutdownOutput();
        assertEquals(0, p[0].read(in), "end of stream");
        p[1].close();
        long r = p[0].write(out);
        assertTrue(r < 0, "writing to a closed peer fails without SIGPIPE: " + r);
    }
}
