package io.kvmj.it.linux;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A host tool run to completion (mke2fs, debugfs, stat, the kernel fetch script): both output streams read at
 * once so neither pipe can fill and stall the tool, and killed when it overruns its time.
 *
 * @param status the exit status
 * @param stdout the raw standard output (debugfs {@code cat} can be binary)
 * @param stderr the standard error, as text
 */
record HostCommand(int status, byte[] stdout, String stderr) {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    /** Runs {@code command} with no stdin; an overrun or a missing tool is an {@link IOException}. */
    static HostCommand run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread o = pump(p.getInputStream(), out);
        Thread e = pump(p.getErrorStream(), err);
        if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IOException(String.join(" ", command) + " did not finish within " + TIMEOUT.toSeconds() + " s");
        }
        o.join();
        e.join();
        return new HostCommand(p.exitValue(), out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code command} and hands back its stdout as text; a non-zero status is an {@link IOException}. */
    static String check(List<String> command) throws IOException, InterruptedException {
        HostCommand r = run(command);
        if (r.status != 0) {
            throw new IOException(String.join(" ", command) + " failed with status " + r.status + ": " + r.stderr.strip());
        }
        return r.text();
    }

    String text() {
        return new String(stdout, StandardCharsets.UTF_8);
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
