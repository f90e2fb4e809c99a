package io.kvmj.it.linux;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleLogTest {
    private static long in(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void markerWrittenLaterIsSeenAndLineEndsAreNormalized() throws Exception {
        PipedOutputStream guest = new PipedOutputStream();
        ConsoleLog log = new ConsoleLog(new PipedInputStream(guest));

        assertFalse(log.awaitText("ready", in(50)), "not there yet");
        guest.write("booting\r\nready\r\n".getBytes(StandardCharsets.US_ASCII));
        guest.flush();

        assertTrue(log.awaitText("ready", in(5000)));
        guest.close();
        log.awaitEnd();
        assertEquals("booting\nready\n", log.text());
    }

    @Test
    void streamEndingWithoutTheMarkerEndsTheWait() throws Exception {
        ConsoleLog log = new ConsoleLog(new ByteArrayInputStream("panic\n".getBytes(StandardCharsets.US_ASCII)));

        long start = System.nanoTime();
        assertFalse(log.awaitText("ready", in(60_000)));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "did not wait for the deadline");
        assertEquals("panic\n", log.text());
    }
}
