package io.kvmj.virtio.block;

import io.kvmj.virtio.queue.Descriptor;
import io.kvmj.vmm.memory.GuestMemory;

import java.util.ArrayList;
import java.util.List;

/**
 * One virtio-blk request laid over its descriptor chain (virtio 1.2 section 5.2.6): a 16-byte header in the
 * first device-readable bytes, then readable payload (write data or discard/write-zeroes segments), then
 * writable payload (read data, the ID), and the status byte as the very last writable byte. The header may
 * span descriptors; payload stays in guest memory and is never copied here.
 */
record BlockRequest(int type, long sector, List<Range> readable, List<Range> writable, long statusAddress) {
    static final int HEADER_SIZE = 16;

    /** A span of guest-physical memory. */
    record Range(long address, long length) {
    }

    static long totalLength(List<Range> ranges) {
        long n = 0;
        for (Range r : ranges) {
            n += r.length();
        }
        return n;
    }

    /**
     * Parses the chain, or returns null when it cannot be a request at all (no room for the header or the
     * status byte): such a chain gets no status, just a zero-length completion.
     */
    static BlockRequest parse(List<Descriptor> chain, GuestMemory memory) {
        byte[] header = new byte[HEADER_SIZE];
        int headerBytes = 0;
        List<Range> readable = new ArrayList<>();
        List<Range> writable = new ArrayList<>();
        for (Descriptor d : chain) {
            long address = d.address();
            long length = Integer.toUnsignedLong(d.length());
            if (d.writable()) {
                if (length > 0) {
                    writable.add(new Range(address, length));
                }
                continue;
            }
            int take = (int) Math.min(HEADER_SIZE - headerBytes, length);
            if (take > 0) {
                System.arraycopy(memory.read(address, take), 0, header, headerBytes, take);
                headerBytes += take;
            }
            if (length > take) {
                readable.add(new Range(address + take, length - take));
            }
        }
        if (headerBytes < HEADER_SIZE || writable.isEmpty()) {
            return null;
        }
        Range last = writable.removeLast();
        long status = last.address() + last.length() - 1;
        if (last.length() > 1) {
            writable.add(new Range(last.address(), last.length() - 1));
        }
        java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(header).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        return new BlockRequest(h.getInt(0), h.getLong(8), List.copyOf(readable), List.copyOf(writable), status);
    }
}
