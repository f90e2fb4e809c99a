package io.kvmj.virtio.vsock;

import io.kvmj.virtio.DeviceContext;
import io.kvmj.virtio.DeviceEvents;
import io.kvmj.virtio.QueueServer;
import io.kvmj.virtio.TransportState;
import io.kvmj.virtio.VirtioDevice;
import io.kvmj.virtio.VirtioDeviceState;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.queue.ChainReader;
import io.kvmj.virtio.queue.DescriptorChain;
import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.snapshot.SnapshotException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import java.util.logging.Logger;

/**
 * virtio-vsock (virtio 1.2 section 5.10), stream sockets only, backed by a {@link VsockMuxer}: queue 0
 * receives packets for the guest, queue 1 carries the guest's packets, queue 2 (events) carries one event, the
 * transport reset a restored snapshot owes the driver ({@link VsockState}). Configuration space: the guest's CID,
 * a little-endian u64.
 * A tx packet whose header is cut short is dropped; one that claims more payload than it carries, or more
 * than {@link VsockConnection#MAX_PAYLOAD}, resets its stream.
 */
public final class VsockDevice implements VirtioDevice {
    public static final int DEVICE_TYPE = 19;
    static final int QUEUE_SIZE = 256;
    static final int RX = 0;
    static final int TX = 1;
    static final int EVENT = 2;
    /** struct virtio_vsock_event { le32 id; } (section 5.10.6, Device Events). */
    static final int EVENT_BYTES = 4;
    static final int EVENT_TRANSPORT_RESET = 0;

    private static final Logger LOG = Logger.getLogger(VsockDevice.class.getName());

    private final long guestCid;
    private final VsockMuxer muxer;
    private DeviceContext context;
    // A restored device's streams are gone: the driver must hear it (VIRTIO_VSOCK_EVENT_TRANSPORT_RESET).
    private boolean transportResetOwed;

    public VsockDevice(long guestCid, VsockMuxer muxer) {
        this.guestCid = guestCid;
        this.muxer = muxer;
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.COMMON;
    }

    @Override
    public int queueCount() {
        return 3;
    }

    @Override
    public int queueMaxSize() {
        return QUEUE_SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        if (offset < 0 || size <= 0 || offset + size > 8) {
            return 0;
        }
        long v = guestCid >>> (8 * offset);
        return size == 8 ? v : v & ((1L << (8 * size)) - 1);
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        // guest_cid is read-only
    }

    @Override
    public Class<VsockState> stateType() {
        return VsockState.class;
    }

    @Override
    public VsockState saveState(TransportState transport) {
        return new VsockState(transport, guestCid);
    }

    /** Refuses another guest CID; a resuming device owes the driver a transport reset event. */
    @Override
    public void restoreState(VirtioDeviceState state, boolean resumes) throws SnapshotException {
        VsockState s = (VsockState) state;
        if (s.guestCid() != guestCid) {
            throw new SnapshotException("virtio-vsock: the guest CID is " + guestCid + ", the snapshot's was "
                    + s.guestCid());
        }
        transportResetOwed = resumes;
    }

    @Override
    public void activate(DeviceContext ctx) {
        this.context = ctx;
        DeviceEvents events = ctx.events();
        // Anything the host side did may owe the guest packets: fill its receive buffers after each event.
        muxer.activate((fd, interest, handler) -> events.add(fd, interest, ready -> {
            handler.ready(ready);
            pumpRx();
        }));
    }

    @Override
    public void process(int index) throws VirtqueueException {
        if (index == EVENT && transportResetOwed) {
            sendTransportReset();
        }
        if (index == TX) {
            QueueServer.serve(context.queues().get(TX), context.memory(), context.interrupt(), this::transmit);
        }
        if (index == TX || index == RX) {
            pumpRx();
        }
    }

    /** One guest packet; the device writes nothing into tx buffers. */
    private int transmit(DescriptorChain chain) {
        ChainReader r = chain.reader(context.memory());
        VsockHeader h;
        try {
            h = VsockHeader.read(r);
        } catch (VirtqueueException e) {
            LOG.fine(() -> "vsock: tx packet shorter than a header, dropped: " + e.getMessage());
            return 0;
        }
        if (h.length() > VsockConnection.MAX_PAYLOAD || h.length() > r.remaining()) {
            LOG.fine(() -> "vsock: tx packet claims " + h.length() + " payload bytes, has " + r.remaining());
            muxer.reject(h);
            return 0;
        }
        muxer.send(h, r);
        return 0;
    }

    /** Fills receive buffers while the muxer owes the guest packets; interrupts if the driver wants it. */
    private void pumpRx() throws VirtqueueException {
        SplitQueue rx = context.queues().get(RX);
        boolean used = false;
        while (muxer.hasPendingRx()) {
            DescriptorChain chain = rx.pop(context.memory());
            if (chain == null) {
                rx.enableNotifications(context.memory()); // hear about the next buffers, then look once more
                chain = rx.pop(context.memory());
                if (chain == null) {
                    break;
                }
            }
            int n = muxer.fillRx(chain, context.memory());
            if (n < 0) {
                rx.undoPop();
                break;
            }
            rx.addUsed(context.memory(), chain.headIndex(), n);
            used = true;
        }
        if (used && rx.needsNotification(context.memory())) {
            context.interrupt().usedBuffer();
        }
    }

    /**
     * Puts VIRTIO_VSOCK_EVENT_TRANSPORT_RESET in the driver's next event buffer; without one it stays owed, with
     * notifications enabled, until the driver adds one.
     *
     * @throws VirtqueueException for an event buffer too small for an event
     */
    private void sendTransportReset() throws VirtqueueException {
        SplitQueue events = context.queues().get(EVENT);
        GuestMemory memory = context.memory();
        DescriptorChain chain = events.pop(memory);
        if (chain == null) {
            events.enableNotifications(memory);
            chain = events.pop(memory);
            if (chain == null) {
                return;
            }
        }
        if (chain.writableLength() < EVENT_BYTES) {
            throw new VirtqueueException("event buffer of " + chain.writableLength() + " bytes, an event takes "
                    + EVENT_BYTES);
        }
        chain.writer(memory).writeFully(ByteBuffer.allocate(EVENT_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(EVENT_TRANSPORT_RESET).array());
        events.addUsed(memory, chain.headIndex(), EVENT_BYTES);
        transportResetOwed = false;
        LOG.fine("vsock: transport reset event sent to the driver");
        if (events.needsNotification(memory)) {
            context.interrupt().usedBuffer();
        }
    }

    @Override
    public void reset() {
        transportResetOwed = false;
        muxer.reset();
        context = null;
    }
}
