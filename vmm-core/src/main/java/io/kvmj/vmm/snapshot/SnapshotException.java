package io.kvmj.vmm.snapshot;

/** A snapshot that cannot be written, read or restored; the message says which part and why, in one line. */
public class SnapshotException extends Exception {
    public SnapshotException(String message) {
        super(message);
    }

    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
