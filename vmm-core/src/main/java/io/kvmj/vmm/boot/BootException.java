package io.kvmj.vmm.boot;

/** A kernel, initrd or command line that cannot be booted; the message is one line naming the file and problem. */
public class BootException extends RuntimeException {
    public BootException(String message) {
        super(message);
    }
}
