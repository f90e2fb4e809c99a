package io.kvmj.config;

import java.nio.file.Path;

/** Destination of the guest's serial output. */
public sealed interface SerialOutput {
    record Stdout() implements SerialOutput {}

    record None() implements SerialOutput {}

    /** @param path absolute once validated; the file is created or truncated by the VMM, not here */
    record ToFile(Path path) implements SerialOutput {}
}
