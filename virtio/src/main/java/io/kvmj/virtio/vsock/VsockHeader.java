package io.kvmj.virtio.vsock;

import io.kvmj.virtio.queue.ChainReader;
import io.kvmj.virtio.queue.ChainWriter;
import io.kvmj.virtio.queue.VirtqueueException;

/**
 * struct virtio_vsock_hdr (virtio 1.2 section 5.10.6), 44 bytes little-endian: src_cid u64, dst_cid u64,
 * src_port u32, dst_port u32, len u32, type u16, op u16, flags u32, buf_alloc u32, fwd_cnt u32.
 * Ports, lengths and counters are unsigned 32-bit values kept in Java ints (compare with the unsigned
 * helpers; the credit counters wrap by design).
 */
public record VsockHeader(long srcCid, long dstCid, int srcPort, int dstPort, int len, int type, int op,
                          int flags, int bufAlloc, int fwdCnt) {
    public static final int SIZE = 44;

    public static final int TYPE_STREAM = 1;

    public static final int OP_REQUEST = 1;
    public static final int OP_RESPONSE = 2;
    public static final int OP_RST = 3;
    public static final int OP_SHUTDOWN = 4;
    public static final int OP_RW = 5;
    public static final int OP_CREDIT_UPDATE = 6;
    public static final int OP_CREDIT_REQUEST = 7;

    /** SHUTDOWN flags: the sender will receive no more, send no more. */
    public static final int SHUTDOWN_RCV = 1;
    public static final int SHUTDOWN_SEND = 2;
    public static final int SHUTDOWN_BOTH = SHUTDOWN_RCV | SHUTDOWN_SEND;

    /** The well-known CID of the host (5.10.4). */
    public static final long HOST_CID = 2;

    /** Reads a header from the start of a driver's tx chain; fails when the chain has fewer than 44 bytes. */
    public static VsockHeader read(ChainReader r) throws VirtqueueException {
        long srcCid = r.readLong();
        long dstCid = r.readLong();
        int srcPort = r.readInt();
        int dstPort = r.readInt();
        int len = r.readInt();
        int type = r.readShort() & 0xffff;
        int op = r.readShort() & 0xffff;
        int flags = r.readInt();
        int bufAlloc = r.readInt();
        int fwdCnt = r.readInt();
        return new VsockHeader(srcCid, dstCid, srcPort, dstPort, len, type, op, flags, bufAlloc, fwdCnt);
    }

    public void write(ChainWriter w) throws VirtqueueException {
        w.writeLong(srcCid);
        w.writeLong(dstCid);
        w.writeInt(srcPort);
        w.writeInt(dstPort);
        w.writeInt(len);
        w.writeShort((short) type);
        w.writeShort((short) op);
        w.writeInt(flags);
        w.writeInt(bufAlloc);
        w.writeInt(fwdCnt);
    }

    /** {@link #len} as the unsigned value it is. */
    public long length() {
        return Integer.toUnsignedLong(len);
    }
}
