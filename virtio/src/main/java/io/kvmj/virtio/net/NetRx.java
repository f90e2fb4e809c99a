package io.kvmj.virtio.net;

import io.kvmj.virtio.queue.DescriptorChain;
import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.memory.GuestMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.logging.Logger;

/**
 * The receive path (virtio 1.2 section 5.1.6.3): holds at most one frame read from the backend, header
 * first, in a scratch buffer of {@link NetDevice#MAX_FRAME_BYTES}, and places it in the driver's receive
 * buffers. With VIRTIO_NET_F_MRG_RXBUF a frame spreads over as many chains as it needs and num_buffers in its
 * header says how many (5.1.6.3.2); without it one chain must hold the whole frame. Chains are only taken
 * once all the frame needs is there, so a frame waiting for buffers holds none.
 */
final class NetRx implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NetRx.class.getName());
    // le16 num_buffers, the last field of struct virtio_net_hdr_v1.
    private static final int NUM_BUFFERS = 10;

    private final NetBackend backend;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment frame = arena.allocate(NetDevice.MAX_FRAME_BYTES, 8);
    private final DescriptorChain[] chains = new DescriptorChain[NetDevice.QUEUE_SIZE];
    private int held;
    private long dropped;

    NetRx(NetBackend backend) {
        this.backend = backend;
    }

    /** Whether a frame waits for receive buffers. */
    boolean holding() {
        return held > 0;
    }

    /** Frames dropped since the device was built (too big for the buffers the driver can ever give). */
    long dropped() {
        return dropped;
    }

    /** A copy of the frame waiting for receive buffers, header first; empty when none waits (for a snapshot). */
    byte[] heldFrame() {
        return frame.asSlice(0, held).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Takes {@code bytes} as the frame waiting for receive buffers (a restored snapshot's); empty for none. */
    void hold(byte[] bytes) {
        if (bytes.length > NetDevice.MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("a frame of " + bytes.length + " bytes is larger than "
                    + NetDevice.MAX_FRAME_BYTES);
        }
        MemorySegment.copy(bytes, 0, frame, ValueLayout.JAVA_BYTE, 0, bytes.length);
        held = bytes.length;
    }

    /** Forgets the frame in hand (device reset: it was for the driver that went away). */
    void discard() {
        held = 0;
    }

    /**
     * Reads the next frame from the backend; only when none is held. Returns its length, or the backend's
     * minus errno (-EAGAIN: none waits).
     */
    long read() {
        long n = backend.read(frame);
        if (n > 0) {
            held = (int) n;
        }
        return n;
    }

    /**
     * Places the held frame in receive chains and adds them to the used ring. Returns true when the frame is
     * gone (placed, or dropped because no buffers the driver can offer would hold it: one chain too small
     * without MRG_RXBUF, the whole ring too small with it), false when it waits for more buffers; then
     * notifications are enabled and the driver's next buffers come with a queue notification.
     *
     * @throws VirtqueueException for a malformed chain
     */
    boolean deliver(SplitQueue queue, GuestMemory memory, boolean mergeable) throws VirtqueueException {
        int count = 0;
        long room = 0;
        boolean rearmed = false;
        while (room < held && (count == 0 || mergeable)) {
            DescriptorChain chain = queue.pop(memory);
            if (chain == null) {
                if (rearmed) {
                    break;
                }
                // Rearmed while the chains taken are still popped, so that with event idx avail_event lands
                // past them: the driver then notifies for the next buffer it adds, not only for one past
                // chains given back below. Then look once more for buffers added meanwhile.
                queue.enableNotifications(memory);
                rearmed = true;
                continue;
            }
            chains[count++] = chain;
            room += chain.writableLength();
        }
        if (room >= held) {
            place(queue, memory, count);
            return true;
        }
        boolean never = !mergeable ? count == 1 : count == queue.size();
        // Undone in reverse of the pops: the ring is as it was, the driver still owns nothing new.
        for (int i = 0; i < count; i++) {
            queue.undoPop();
            chains[i] = null;
        }
        if (never) {
            dropped++;
            int length = held;
            LOG.fine(() -> "virtio-net " + backend.name() + ": rx frame of " + length + " bytes dropped, "
                    + (mergeable ? "the whole ring" : "a receive chain") + " is too small for it");
            held = 0;
            return true;
        }
        return false;
    }

    private void place(SplitQueue queue, GuestMemory memory, int count) {
        frame.set(GuestMemory.U16, NUM_BUFFERS, (short) count);
        long offset = 0;
        for (int i = 0; i < count; i++) {
            DescriptorChain chain = chains[i];
            chains[i] = null;
            long n = chain.writer(memory).write(frame.asSlice(offset, held - offset));
            offset += n;
            queue.addUsed(memory, chain.headIndex(), (int) n);
        }
        held = 0;
    }

    @Override
    public void close() {
        arena.close();
    }
}
