package io.kvmj.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** File-system checks on paths from a config; each returns the absolute, normalized path it checked. */
final class PathChecks {
    private PathChecks() {}

    static Path resolve(String key, Path path, Path baseDir) throws ConfigException {
        if (path == null || path.toString().isEmpty()) {
            throw new ConfigException(key, "must not be empty");
        }
        return baseDir.resolve(path).toAbsolutePath().normalize();
    }

    /** The checks every file a config names gets, in the order a user would fix them. */
    private static void requireReadableRegularFile(String key, Path file, String shown) throws ConfigException {
        if (!Files.exists(file)) throw new ConfigException(key, "file not found: " + shown);
        if (Files.isDirectory(file)) throw new ConfigException(key, "is a directory, not a file: " + shown);
        if (!Files.isRegularFile(file)) throw new ConfigException(key, "not a regular file: " + shown);
        if (!Files.isReadable(file)) throw new ConfigException(key, "file not readable: " + shown);
    }

    /** An existing, readable, non-empty regular file (kernel, initrd). */
    static Path readableFile(String key, Path path, Path baseDir) throws ConfigException {
        Path file = resolve(key, path, baseDir);
        String shown = shown(file, path);
        requireReadableRegularFile(key, file, shown);
        try {
            if (Files.size(file) == 0) throw new ConfigException(key, "file is empty: " + shown);
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read file: " + shown + ": " + e.getMessage());
        }
        return file;
    }

    /**
     * A drive's backing file: an existing, readable regular file (it may be empty), writable too unless the
     * drive is read-only.
     */
    static Path diskImage(String key, Path path, Path baseDir, boolean readOnly) throws ConfigException {
        Path file = resolve(key, path, baseDir);
        String shown = shown(file, path);
        requireReadableRegularFile(key, file, shown);
        if (!readOnly && !Files.isWritable(file)) {
            throw new ConfigException(key, "file not writable (set is_read_only for a read-only drive): " + shown);
        }
        return file;
    }

    /** A file the VMM will create or overwrite: its directory must exist, and it must not be a directory. */
    static Path writableFileLocation(String key, Path path, Path baseDir) throws ConfigException {
        Path file = resolve(key, path, baseDir);
        String shown = shown(file, path);
        if (Files.isDirectory(file)) throw new ConfigException(key, "is a directory, not a file: " + shown);
        Path parent = file.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            String note = path.isAbsolute() ? "" : " (resolved from \"" + path + "\")";
            throw new ConfigException(key, "directory does not exist: " + parent + note);
        }
        return file;
    }

    /**
     * Where the VMM will bind a Unix socket: the path must not exist (bind(2) would fail with EADDRINUSE, as
     * Firecracker's does; kvmj never removes a file it did not create), must fit in {@code sun_path}, and its
     * directory must exist and be writable.
     */
    static Path newSocketLocation(String key, Path path, Path baseDir, int maxBytes) throws ConfigException {
        Path file = resolve(key, path, baseDir);
        String shown = shown(file, path);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new ConfigException(key, "already exists (remove it first; kvmj creates the socket): " + shown);
        }
        int bytes = file.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes) {
            throw new ConfigException(key, "too long for a Unix socket: " + bytes + " bytes (at most " + maxBytes
                    + "): " + shown);
        }
        Path parent = file.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new ConfigException(key, "directory does not exist: " + parent);
        }
        if (!Files.isWritable(parent)) throw new ConfigException(key, "directory not writable: " + parent);
        return file;
    }

    // Say how a relative path was resolved, since users write it relative to the config file.
    private static String shown(Path resolved, Path original) {
        return original.isAbsolute() ? resolved.toString() : resolved + " (resolved from \"" + original + "\")";
    }
}
