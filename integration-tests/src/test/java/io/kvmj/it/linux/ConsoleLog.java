package io.kvmj.it.linux;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Everything a VMM process prints on its console, collected by a reader thread while the test waits for a
 * marker in it or for the process to end.
 */
final class ConsoleLog {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Thread reader;

    /** Starts reading {@code in} until its end. */
    ConsoleLog(InputStream in) {
        reader = Thread.ofPlatform().daemon(true).name("console-reader").start(() -> {
            byte[] buffer = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    synchronized (this) {
                        bytes.write(buffer, 0, n);
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process was destroyed: what was read so far is the log
            }
        });
    }

    /**
     * Waits until the console shows {@code marker}.
     *
     * @return false when {@code deadlineNanos} ({@link System#nanoTime()} scale) passed or the stream ended first
     */
    synchronized boolean awaitText(String marker, long deadlineNanos) throws InterruptedException {
        while (!text().contains(marker)) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0 || !reader.isAlive()) {
                return text().contains(marker);
            }
            // the reader notifies on each chunk; the bound also catches the stream's end
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
        }
        return true;
    }

    /** Waits for the reader to reach the end of the stream (the process has exited or was destroyed). */
    void awaitEnd() throws InterruptedException {
        reader.join(TimeUnit.SECONDS.toMillis(10));
    }

    /** The console so far as text, line ends as {@code \n} (the guest's tty writes {@code \r\n}). */
    synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8).replace("\r\n", "\n");
    }
}
