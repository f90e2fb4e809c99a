package io.kvmj.it.linux;

import io.kvmj.it.Environment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * ext4 disk images made and read on the host with e2fsprogs, without mounting anything (the tests run
 * unprivileged on developer machines): {@code mke2fs -d} fills a new file system from a directory, and
 * {@code debugfs} reads a file back after the guest is done.
 */
public final class Ext4Image {
    private Ext4Image() {
    }

    /**
     * Makes {@code image}, an ext4 file system of {@code sizeMib} MiB holding a copy of {@code content}'s tree.
     * Skips the test (fails it under CI) when e2fsprogs is missing.
     *
     * @throws IOException when mke2fs fails
     */
    public static Path create(Path image, int sizeMib, Path content) throws IOException, InterruptedException {
        HostCommand.check(List.of(tool("mke2fs").toString(), "-q", "-t", "ext4", "-d", content.toString(), "-F",
                image.toString(), sizeMib + "M"));
        return image;
    }

    /**
     * The contents of the file at {@code path} (absolute inside the file system) in {@code image}, or empty
     * when there is no such file.
     *
     * @throws IOException when debugfs cannot read the image
     */
    public static Optional<String> readFile(Path image, String path) throws IOException, InterruptedException {
        HostCommand r = HostCommand.run(List.of(tool("debugfs").toString(), "-R", "cat " + path, image.toString()));
        // debugfs prints its banner and errors on stderr and exits 0 even for a missing file
        if (r.status() != 0 || r.stderr().contains("Bad magic number") || r.stderr().contains("while opening")) {
            throw new IOException("debugfs cannot read " + image + ": " + r.stderr().strip());
        }
        if (r.stderr().contains("not found")) {
            return Optional.empty();
        }
        return Optional.of(r.text());
    }

    /** An e2fsprogs tool: on PATH, else in /sbin or /usr/sbin (not on every user's PATH). */
    private static Path tool(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name);
            }
        }
        Environment.require(false, name + " (apt-get install e2fsprogs)");
        return Path.of(name);
    }
}
