package io.kvmj.vmm.memory;

import java.lang.foreign.MemorySegment;

/** One contiguous range of guest RAM and the host memory behind it. */
public record GuestRegion(long guestBase, MemorySegment host) {
    public long size() {
        return host.byteSize();
    }

    public long guestEnd() {
        return guestBase + host.byteSize();
    }

    /** True when [address, address+length) lies entirely inside this region (overflow-safe). */
    public boolean contains(long address, long length) {
        return length >= 0 && Long.compareUnsigned(address, guestBase) >= 0
                && Long.compareUnsigned(address - guestBase, size()) <= 0
                && Long.compareUnsigned(length, size() - (address - guestBase)) <= 0;
    }
}
