package io.kvmj.virtio.vsock;

import io.kvmj.sys.UnixSocket;
import io.kvmj.virtio.queue.ChainReader;
import io.kvmj.virtio.queue.ChainWriter;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.event.EventSource;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * One vsock stream between a guest port and a host Unix socket, and its credit accounting (virtio 1.2
 * section 5.10.6.3). Guest-to-host data goes straight from guest memory to the socket; what the socket will
 * not take yet waits in a buffer of at most {@link #BUF_ALLOC} bytes, the credit we announce, so a guest that
 * sends beyond its credit is reset rather than buffered. Host-to-guest data is read from the socket straight
 * into the guest's receive buffers, never more than the guest's announced credit.
 */
final class VsockConnection {
    /** Our receive buffer, announced as buf_alloc: guest bytes the host side has not taken yet. */
    static final int BUF_ALLOC = 256 * 1024;
    /** Largest payload we put in one packet (Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE). */
    static final int MAX_PAYLOAD = 64 * 1024;
    /** Announce freed credit once this much was forwarded since the last announcement. */
    static final int CREDIT_UPDATE_THRESHOLD = 64 * 1024;

    enum State {
        /** Host-initiated: REQUEST to the guest pending or sent, waiting for RESPONSE. */
        LOCAL_INIT,
        ESTABLISHED,
        /** We told the guest SHUTDOWN and wait for its RST (or the kill deadline). */
        LOCAL_CLOSED
    }

    final int localPort;
    final int peerPort;
    final UnixSocket socket;
    EventSource source;
    State state;

    // Host -> guest credit: the guest's buffer and how much of it it has freed.
    int peerBufAlloc;
    int peerFwdCnt;
    int rxCnt;
    // Guest -> host: bytes handed to the socket, and the last count we told the guest.
    int fwdCnt;
    int lastFwdCntSent;
    private final ArrayDeque<byte[]> tx = new ArrayDeque<>();
    private int txHeadOffset;
    int txBytes;

    // Packets owed to the guest, sent in this order by VsockMuxer.
    boolean pendingRequest;
    boolean pendingResponse;
    boolean pendingData;
    int pendingShutdown;
    boolean pendingCreditUpdate;
    boolean pendingCreditRequest;

    /** SHUTDOWN flags the guest sent. */
    int peerShutdown;
    /** The host end closed or failed: no more reads, and no more interest in its readiness. */
    boolean hostGone;
    /** A write to the host end failed (the peer is gone): the connection must be reset. */
    boolean hostWriteFailed;
    /** Guest asked for a full shutdown: reset once the buffered guest data reached the host. */
    boolean resetWhenDrained;
    /** Monotonic nanoseconds after which an unanswered shutdown becomes a reset; 0: none. */
    long killDeadline;

    VsockConnection(int localPort, int peerPort, UnixSocket socket, State state) {
        this.localPort = localPort;
        this.peerPort = peerPort;
        this.socket = socket;
        this.state = state;
    }

    long key() {
        return key(localPort, peerPort);
    }

    static long key(int localPort, int peerPort) {
        return (Integer.toUnsignedLong(localPort) << 32) | Integer.toUnsignedLong(peerPort);
    }

    boolean hasPendingRx() {
        return pendingRequest || pendingResponse || pendingData || pendingShutdown != 0 || pendingCreditUpdate
                || pendingCreditRequest;
    }

    /** Credit the guest has left for us: buf_alloc - (rx_cnt - fwd_cnt), unsigned wrapping arithmetic. */
    long peerCredit() {
        long inFlight = Integer.toUnsignedLong(rxCnt - peerFwdCnt);
        return Math.max(0, Integer.toUnsignedLong(peerBufAlloc) - inFlight);
    }

    /** Whether the host socket should be watched for data: the guest can take some and wants it. */
    boolean wantsHostData() {
        return state == State.ESTABLISHED && !hostGone && !pendingData && peerCredit() > 0
                && (peerShutdown & VsockHeader.SHUTDOWN_RCV) == 0;
    }

    /** Every header updates what we know of the guest's receive buffer. */
    void peerCredit(VsockHeader h) {
        peerBufAlloc = h.bufAlloc();
        peerFwdCnt = h.fwdCnt();
    }

    /**
     * Guest data for the host: written to the socket at once as far as it takes it, the rest buffered.
     * Returns false when the guest exceeded its credit (the caller resets the connection).
     */
    boolean sendToHost(ChainReader payload, long length) {
        if (txBytes + length > BUF_ALLOC) {
            return false;
        }
        long left = length;
        while (left > 0 && txBytes == 0 && !hostWriteFailed) {
            MemorySegment s = payload.nextSegment(left);
            long n = socket.write(s);
            if (n <= 0) {
                if (!UnixSocket.isAgain(n)) {
                    hostWriteFailed = true;
                }
                buffer(s);
                left -= s.byteSize();
                break;
            }
            fwdCnt += (int) n;
            left -= n;
            if (n < s.byteSize()) {
                buffer(s.asSlice(n));
                left -= s.byteSize() - n;
                break;
            }
        }
        while (left > 0) {
            MemorySegment s = payload.nextSegment(left);
            buffer(s);
            left -= s.byteSize();
        }
        noteForwarded();
        return true;
    }

    private void buffer(MemorySegment s) {
        if (s.byteSize() > 0) {
            tx.add(s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            txBytes += (int) s.byteSize();
        }
    }

    /** Writes buffered guest data while the socket takes it; returns false if the host end failed. */
    boolean flushToHost(MemorySegment scratch) {
        while (!tx.isEmpty()) {
            byte[] head = tx.peek();
            int n = Math.min(head.length - txHeadOffset, (int) scratch.byteSize());
            MemorySegment.copy(MemorySegment.ofArray(head), txHeadOffset, scratch, 0, n);
            long w = socket.write(scratch.asSlice(0, n));
            if (w < 0) {
                hostWriteFailed = !UnixSocket.isAgain(w);
                return !hostWriteFailed;
            }
            txHeadOffset += (int) w;
            txBytes -= (int) w;
            fwdCnt += (int) w;
            if (txHeadOffset == head.length) {
                tx.poll();
                txHeadOffset = 0;
            }
            if (w < n) {
                break;
            }
        }
        noteForwarded();
        return true;
    }

    /** Freed credit is announced when it is substantial, or when the buffer is empty again. */
    private void noteForwarded() {
        int unannounced = fwdCnt - lastFwdCntSent;
        if (unannounced != 0 && (txBytes == 0 || Integer.toUnsignedLong(unannounced) >= CREDIT_UPDATE_THRESHOLD)) {
            pendingCreditUpdate = true;
        }
    }

    /**
     * Reads host data into {@code w} after a header-sized hole, up to the guest's credit and
     * {@link #MAX_PAYLOAD}; returns bytes read, 0 at end of stream, or a negative errno (-EAGAIN: none now).
     */
    long readFromHost(ChainWriter w) throws VirtqueueException {
        w.skip(VsockHeader.SIZE);
        long want = Math.min(Math.min(w.remaining(), peerCredit()), MAX_PAYLOAD);
        long got = 0;
        while (got < want) {
            MemorySegment s = w.nextSegment(want - got);
            long n = socket.read(s);
            if (n <= 0) {
                return got > 0 ? got : n;
            }
            got += n;
            if (n < s.byteSize()) {
                break;
            }
        }
        return got;
    }

    void close() {
        if (source != null) {
            source.remove();
            source = null;
        }
        socket.close();
    }
}
