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
final class Processes {
    private Processes() {
    }

    static GuestRun run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        return run(new ProcessBuilder(command), timeout);
    }

    /** Runs {@code command} (its directory and environment as set) with no stdin. */
    static GuestRun run(ProcessBuilder command, Duration timeout) throws IOException, InterruptedException {
        Process p = command.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread o = pump(p.getInputStream(), out);
        Thread e = pump(p.getErrorStream(), err);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
        }
        o.join();
        e.join();
        return new GuestRun(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
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
