package io.kvmj.vmm.memory;

/** A guest-physical access outside guest RAM: a guest or config bug, never a host memory access. */
public class GuestMemoryException extends RuntimeException {
    public GuestMemoryException(long address, long length) {
        super(String.format("guest address range 0x%x+0x%x is outside guest RAM", address, length));
    }
}
