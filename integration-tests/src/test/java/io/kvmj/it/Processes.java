package io.kvmj.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a time bound, capturing stdout and stderr separately. */
public final class Processes {
    private Processes() {
    }

    /**
     * What a command wrote, raw.
     *
     * @param status   its exit status (the kill's, when it timed out)
     * @param timedOut whether it was killed at the time bound
     */
    public record Output(int status, boolean timedOut, byte[] stdout, byte[] stderr) {
    }

    static GuestRun run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        return run(new ProcessBuilder(command), timeout);
    }

    /** Runs {@code command} (its directory and environment as set) with no stdin. */
    static GuestRun run(ProcessBuilder command, Duration timeout) throws IOException, InterruptedException {
        Output o = capture(command, timeout);
        return new GuestRun(o.status(), new String(o.stdout(), StandardCharsets.UTF_8),
                new String(o.stderr(), StandardCharsets.UTF_8));
    }

    /**
     * Runs {@code command} with no stdin, reading both output streams at once so neither pipe can fill and stall
     * it; kills it (and says so) when it outlives {@code timeout}.
     */
    public static Output capture(ProcessBuilder command, Duration timeout) throws IOException, InterruptedException {
        Process p = command.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread o = pump(p.getInputStream(), out);
        Thread e = pump(p.getErrorStream(), err);
        boolean timedOut = !p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (timedOut) {
            p.destroyForcibly().waitFor();
        }
        o.join();
        e.join();
        return new Output(p.exitValue(), timedOut, out.toByteArray(), err.toByteArray());
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
        return Thread.ofPlatform().daemon(true).start(() -> {
            try (in) {
                in.transferTo(sink);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        });
    }
}
