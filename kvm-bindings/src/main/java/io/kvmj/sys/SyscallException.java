package io.kvmj.sys;

/** A failed system call: carries the operation that failed and the errno it returned. */
public class SyscallException extends RuntimeException {
    private final String operation;
    private final int errno;

    public SyscallException(String operation, int errno) {
        super(operation + " failed: " + Errno.name(errno) + " (" + Errno.describe(errno) + ")");
        this.operation = operation;
        this.errno = errno;
    }

    public String operation() {
        return operation;
    }

    public int errno() {
        return errno;
    }

    public String errnoName() {
        return Errno.name(errno);
    }
}
