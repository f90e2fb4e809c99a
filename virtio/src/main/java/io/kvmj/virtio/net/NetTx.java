package io.kvmj.virtio.net;

import io.kvmj.kvm.gen.libc.LibcHeaders;
import io.kvmj.sys.Errno;
import io.kvmj.virtio.queue.ChainReader;
import io.kvmj.virtio.queue.DescriptorChain;
import io.kvmj.vmm.memory.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.logging.Logger;

/**
 * The transmit path (virtio 1.2 section 5.1.6.2): one tx chain is one {@code virtio_net_hdr_v1} followed by
 * one frame, handed to the backend as it is, in one gathered write straight from guest memory (the backend
 * reads the same header, so nothing is parsed or copied here).
 */
final class NetTx {
    /** What became of a chain. */
    enum Outcome {
        /** The backend took the frame. */
        SENT,
        /** The frame is lost (malformed chain, or a backend error other than EAGAIN); complete the chain. */
        DROPPED,
        /** The backend is full: give the chain back and retry once the backend's fd is writable. */
        FULL
    }

    private static final Logger LOG = Logger.getLogger(NetTx.class.getName());

    private final NetBackend backend;
    // A chain has at most the queue's size of descriptors, indirect tables included (SplitQueue enforces it).
    private final MemorySegment[] segments = new MemorySegment[NetDevice.QUEUE_SIZE];
    private long dropped;

    NetTx(NetBackend backend) {
        this.backend = backend;
    }

    /** Frames dropped since the device was built. */
    long dropped() {
        return dropped;
    }

    Outcome send(DescriptorChain chain, GuestMemory memory) {
        long length = chain.readableLength();
        if (length < NetDevice.HEADER_BYTES || length > NetDevice.MAX_FRAME_BYTES) {
            return drop(chain, "is " + length + " bytes, not " + NetDevice.HEADER_BYTES + " to "
                    + NetDevice.MAX_FRAME_BYTES);
        }
        ChainReader reader = chain.reader(memory);
        int count = 0;
        for (MemorySegment s; (s = reader.nextSegment(Long.MAX_VALUE)).byteSize() > 0; ) {
            segments[count++] = s;
        }
        long written = backend.write(segments, count);
        Arrays.fill(segments, 0, count, null); // guest memory views: hold none between frames
        if (written == -LibcHeaders.EAGAIN()) {
            return Outcome.FULL;
        }
        if (written < 0) {
            return drop(chain, "refused by " + backend.name() + ": " + Errno.name((int) -written));
        }
        return Outcome.SENT;
    }

    private Outcome drop(DescriptorChain chain, String why) {
        dropped++;
        LOG.fine(() -> "virtio-net " + backend.name() + ": tx chain " + chain.headIndex() + " dropped, it " + why);
        return Outcome.DROPPED;
    }
}
