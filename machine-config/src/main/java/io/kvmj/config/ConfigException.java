package io.kvmj.config;

import java.io.Serial;

/**
 * A problem with a machine config. {@link #getMessage()} is always a single line, usually
 * {@code "<key path>: <problem>"} (e.g. {@code machine-config.mem_size_mib: must be at least 1 (got 0)}),
 * so the CLI can print it as is.
 */
public final class ConfigException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(oneLine(message));
    }

    /** {@code keyPath} is the dotted key path, e.g. {@code machine-config.vcpu_count}. */
    public ConfigException(String keyPath, String problem) {
        this(keyPath + ": " + problem);
    }

    // The contract is one line: fold anything multi-line (e.g. text quoted from a library) into one.
    private static String oneLine(String s) {
        return s == null ? "invalid config" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
