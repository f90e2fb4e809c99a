package io.kvmj.virtio.net;

import io.kvmj.kvm.gen.libc.LibcHeaders;
import io.kvmj.sys.Errno;
import io.kvmj.sys.SyscallException;
import io.kvmj.sys.Tap;
import io.kvmj.virtio.DeviceContext;
import io.kvmj.virtio.TransportState;
import io.kvmj.virtio.VirtioDevice;
import io.kvmj.virtio.VirtioDeviceState;
import io.kvmj.virtio.queue.DescriptorChain;
import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.event.EventOps;
import io.kvmj.vmm.event.EventSource;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.snapshot.SnapshotException;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.logging.Logger;

/**
 * virtio-net (virtio 1.2 section 5.1) over a {@link NetBackend}, normally a Linux TAP: one queue pair,
 * receiveq1 (queue 0) and transmitq1 (queue 1), with the checksum and segmentation offloads and mergeable
 * receive buffers passed through to the TAP, which speaks the same {@code virtio_net_hdr_v1}.
 *
 * <p>Flow control never blocks and never buffers more than one frame. When the backend cannot take a frame
 * (EAGAIN) its chain goes back to the avail ring and transmission resumes once the fd is writable. When the
 * driver has no room for the frame read, the device keeps that one frame, stops reading the backend (whose own
 * queue, a TAP's txqueuelen, is the bounded backlog) and resumes when the driver adds receive buffers.
 * Malformed tx chains and frames the driver can never take are dropped and counted; a broken ring is a
 * {@link VirtqueueException} (the transport then sets DEVICE_NEEDS_RESET).
 *
 * <p>The backend stays open across device resets; {@link #close} (VM teardown) closes it.
 */
public final class NetDevice implements VirtioDevice, AutoCloseable {
    public static final int DEVICE_TYPE = 1;
    /** The largest frame either way, header included: a 64 KiB GSO frame as Firecracker bounds it. */
    public static final int MAX_FRAME_BYTES = 65562;
    static final int HEADER_BYTES = Tap.VNET_HDR_SIZE;
    static final int QUEUE_SIZE = 256;
    static final int RX = 0;
    static final int TX = 1;
    /** Frames read from the backend per readiness event, so that one busy TAP cannot starve other devices. */
    private static final int RX_BATCH = 64;
    private static final int MIN_MTU = 68;
    private static final int MAX_MTU = 65535;

    private static final Logger LOG = Logger.getLogger(NetDevice.class.getName());

    private final NetBackend backend;
    private final byte[] mac;
    private final int mtu;
    private final long features;
    private final NetConfigSpace config;
    private final NetTx tx;
    private final NetRx rx;

    private DeviceContext context;
    private boolean mergeable;
    private EventSource source;
    private int interest;
    private boolean rxWaitsForBuffers;
    private boolean txWaitsForBackend;
    private boolean closed;

    /**
     * A device on the TAP interface {@code tapName}, attached to or created as {@link Tap#open} does.
     *
     * @param mac the guest's MAC address, 6 bytes, or null to let the driver choose one (no VIRTIO_NET_F_MAC)
     * @param mtu the MTU the driver should use, 68 to 65535 bytes, or 0 for none (no VIRTIO_NET_F_MTU); it is
     *            advice to the driver, the TAP's own MTU is the host's to set
     * @throws IllegalArgumentException for a bad name, MAC or MTU, before the TAP is opened
     * @throws SyscallException when the TAP cannot be opened, naming the step and the interface
     */
    public NetDevice(String tapName, byte[] mac, int mtu) {
        this(checkedTap(tapName, mac, mtu), mac, mtu);
    }

    /** A device on any backend; the device owns it from now on. Arguments as for the TAP constructor. */
    public NetDevice(NetBackend backend, byte[] mac, int mtu) {
        checkConfig(mac, mtu);
        this.backend = backend;
        this.mac = mac == null ? null : mac.clone();
        this.mtu = mtu;
        this.features = NetFeatures.offered(mac != null, mtu != 0);
        this.config = new NetConfigSpace(mac, mtu);
        this.tx = new NetTx(backend);
        this.rx = new NetRx(backend);
    }

    private static NetBackend checkedTap(String tapName, byte[] mac, int mtu) {
        checkConfig(mac, mtu);
        return new TapBackend(Tap.open(tapName));
    }

    private static void checkConfig(byte[] mac, int mtu) {
        if (mac != null && mac.length != 6) {
            throw new IllegalArgumentException("a MAC address is 6 bytes, not " + mac.length);
        }
        if (mtu != 0 && (mtu < MIN_MTU || mtu > MAX_MTU)) {
            throw new IllegalArgumentException("MTU must be 0 (none) or " + MIN_MTU + " to " + MAX_MTU + ", not " + mtu);
        }
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long deviceFeatures() {
        return features;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int queueMaxSize() {
        return QUEUE_SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        return config.read(offset, size);
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        // Every field is read-only for the driver (section 5.1.4; the MAC is writable only with CTRL_MAC_ADDR).
    }

    /** Frames lost on the way to the guest: too big for any buffer it can give (section 5.1.6.3). */
    public long rxDropped() {
        return rx.dropped();
    }

    /** Frames the guest sent that were lost: malformed chains, or refused by the backend (not EAGAIN). */
    public long txDropped() {
        return tx.dropped();
    }

    @Override
    public Class<NetState> stateType() {
        return NetState.class;
    }

    @Override
    public NetState saveState(TransportState transport) {
        return new NetState(transport, mac == null ? null : mac.clone(), mtu, rx.heldFrame());
    }

    /**
     * Refuses a state saved with another MAC or MTU (the guest has them); keeps the received frame that was
     * waiting, for a device that resumes (one that does not is reset by its driver first, which drops it).
     */
    @Override
    public void restoreState(VirtioDeviceState state, boolean resumes) throws SnapshotException {
        NetState s = (NetState) state;
        if (!Arrays.equals(s.mac(), mac)) {
            throw new SnapshotException("virtio-net " + backend.name() + ": the MAC address is " + macText(mac)
                    + ", the snapshot's was " + macText(s.mac()));
        }
        if (s.mtu() != mtu) {
            throw new SnapshotException("virtio-net " + backend.name() + ": the MTU is " + mtu
                    + ", the snapshot's was " + s.mtu());
        }
        byte[] frame = s.rxFrame() == null ? new byte[0] : s.rxFrame();
        if (frame.length > MAX_FRAME_BYTES || (frame.length > 0 && frame.length < HEADER_BYTES)) {
            throw new SnapshotException("virtio-net " + backend.name() + ": the saved received frame has "
                    + frame.length + " bytes, not " + HEADER_BYTES + " to " + MAX_FRAME_BYTES);
        }
        if (resumes) {
            rx.hold(frame);
        }
    }

    private static String macText(byte[] mac) {
        return mac == null ? "none" : HexFormat.ofDelimiter(":").formatHex(mac);
    }

    @Override
    public void activate(DeviceContext ctx) {
        this.context = ctx;
        this.mergeable = (ctx.ackedFeatures() & NetFeatures.MRG_RXBUF) != 0;
        try {
            backend.setOffload(NetFeatures.tunOffload(ctx.ackedFeatures()));
        } catch (SyscallException e) {
            // Frames then come with full checksums and no GSO, which a driver that took the offloads accepts too.
            LOG.warning(() -> "virtio-net " + backend.name() + ": offloads not enabled, " + e.getMessage());
        }
        rxWaitsForBuffers = false;
        txWaitsForBackend = false;
        interest = EventOps.READABLE;
        source = ctx.events().add(backend.fd(), interest, this::backendReady);
    }

    @Override
    public void process(int index) throws VirtqueueException {
        if (index == TX) {
            transmit();
        } else if (index == RX) {
            receive();
        }
    }

    private void backendReady(int events) throws VirtqueueException {
        if ((events & (EventOps.HANGUP | EventOps.ERROR)) != 0) {
            // A TAP reports these only once its interface is gone; level-triggered, they would repeat forever.
            stopWatching("the interface is gone");
            return;
        }
        if ((events & EventOps.WRITABLE) != 0 && txWaitsForBackend) {
            txWaitsForBackend = false;
            watch();
            transmit();
        }
        if ((events & EventOps.READABLE) != 0 && !rxWaitsForBuffers) {
            receive();
        }
    }

    /** Sends the driver's frames until its queue is empty or the backend is full. */
    private void transmit() throws VirtqueueException {
        if (txWaitsForBackend) {
            return;
        }
        SplitQueue queue = context.queues().get(TX);
        GuestMemory memory = context.memory();
        while (true) {
            DescriptorChain chain = queue.pop(memory);
            if (chain == null) {
                queue.enableNotifications(memory); // hear about the next frames, then look once more
                chain = queue.pop(memory);
                if (chain == null) {
                    break;
                }
            }
            if (tx.send(chain, memory) == NetTx.Outcome.FULL) {
                queue.undoPop();
                txWaitsForBackend = true;
                watch();
                break;
            }
            queue.addUsed(memory, chain.headIndex(), 0);
        }
        if (queue.needsNotification(memory)) {
            context.interrupt().usedBuffer();
        }
    }

    /** Moves frames from the backend to the driver until the backend has none or the driver has no room. */
    private void receive() throws VirtqueueException {
        SplitQueue queue = context.queues().get(RX);
        GuestMemory memory = context.memory();
        for (int i = 0; i < RX_BATCH && source != null; i++) {
            if (!rx.holding()) {
                long n = rx.read();
                if (n == -LibcHeaders.EAGAIN()) {
                    break;
                }
                if (n <= 0) {
                    stopWatching("read failed: " + (n == 0 ? "end of file" : Errno.name((int) -n)));
                    break;
                }
            }
            boolean delivered = rx.deliver(queue, memory, mergeable);
            rxWaitsForBuffers = !delivered;
            watch();
            if (!delivered) {
                break;
            }
        }
        if (queue.needsNotification(memory)) {
            context.interrupt().usedBuffer();
        }
    }

    /** Asks the event loop for what the device now waits on: frames unless the driver has no room, room if full. */
    private void watch() {
        int wanted = (rxWaitsForBuffers ? 0 : EventOps.READABLE) | (txWaitsForBackend ? EventOps.WRITABLE : 0);
        if (source != null && wanted != interest) {
            source.modify(wanted);
            interest = wanted;
        }
    }

    /** The backend failed for good: stop watching it (the guest's frames are dropped from now on). */
    private void stopWatching(String why) {
        LOG.warning(() -> "virtio-net " + backend.name() + ": " + why + "; no more frames are received");
        source.remove();
        source = null;
        txWaitsForBackend = false; // writes fail from now on: the driver's frames are dropped, not left waiting
    }

    @Override
    public void reset() {
        // The transport removed the event source; the TAP stays open for the next driver.
        rx.discard();
        source = null;
        context = null;
    }

    /** Closes the backend (VM teardown). Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            backend.close();
            rx.close();
        }
    }
}
