package io.kvmj.kvm;

/** /dev/kvm cannot be used at all: missing, not accessible, or a kernel without what kvmj needs. */
public class KvmUnavailableException extends RuntimeException {
    public KvmUnavailableException(String message) {
        super(message);
    }
}
