package io.kvmj.virtio.vsock;

import io.kvmj.sys.Errno;
import io.kvmj.sys.Libc;
import io.kvmj.sys.TimerFd;
import io.kvmj.sys.UnixSocket;
import io.kvmj.virtio.DeviceEvents;
import io.kvmj.virtio.queue.ChainReader;
import io.kvmj.virtio.queue.DescriptorChain;
import io.kvmj.virtio.queue.ChainWriter;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.event.EventOps;
import io.kvmj.vmm.event.EventSource;
import io.kvmj.vmm.memory.GuestMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The host side of virtio-vsock in Firecracker's hybrid model: guest streams become host Unix socket
 * connections. A guest connecting to host port P is connected to the listener at {@code <uds_path>_P}; a
 * host program connects to {@code uds_path}, writes {@code CONNECT <port>\n} and, once the guest accepts,
 * reads {@code OK <host port>\n} (the port the guest sees as its peer) and then the stream.
 * <p>Bounds against a hostile guest: at most {@link #MAX_CONNECTIONS} streams (including host connections
 * still in their handshake), guest data buffered up to the announced credit per stream, at most
 * {@link #MAX_RST_QUEUE} resets owed for packets that matched no stream, and a stream the guest does not
 * close within {@link #SHUTDOWN_TIMEOUT_NANOS} of our SHUTDOWN is reset. Every method runs on the device's
 * serialized context (event loop handlers and queue processing); none blocks.
 */
public final class VsockMuxer implements AutoCloseable {
    static final int MAX_CONNECTIONS = 256;
    static final int MAX_RST_QUEUE = 256;
    /** Longest CONNECT line a host program may send, newline included. */
    static final int MAX_COMMAND_BYTES = 32;
    static final long SHUTDOWN_TIMEOUT_NANOS = 2_000_000_000L;
    /** Host-initiated streams get local ports from here up, round-robin, as Firecracker does. */
    static final int FIRST_LOCAL_PORT = 1 << 30;
    /** Host connections waiting for accept(2) beyond those the muxer has taken (as Rust's UnixListener). */
    static final int LISTEN_BACKLOG = 128;

    private static final Logger LOG = Logger.getLogger(VsockMuxer.class.getName());

    private record Rst(int localPort, int peerPort) {
    }

    /** A host connection on uds_path that has not finished its CONNECT line. */
    private final class PendingStream {
        final UnixSocket socket;
        final byte[] line = new byte[MAX_COMMAND_BYTES];
        int length;
        EventSource source;

        PendingStream(UnixSocket socket) {
            this.socket = socket;
        }

        void close() {
            source.remove();
            socket.close();
            pending.remove(this);
        }
    }

    private final long guestCid;
    private final String udsPath;
    private final UnixSocket listener;
    private final LongSupplier nanoClock;
    private final Map<Long, VsockConnection> connections = new HashMap<>();
    private final Set<Integer> localPorts = new HashSet<>();
    private final Set<PendingStream> pending = new HashSet<>();
    private final LinkedHashSet<VsockConnection> rxPending = new LinkedHashSet<>();
    private final ArrayDeque<Rst> rstQueue = new ArrayDeque<>();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment scratch = arena.allocate(64 * 1024);
    private final TimerFd killTimer = new TimerFd();
    private DeviceEvents events;
    private EventSource listenerSource;
    private EventSource timerSource;
    private int lastLocalPort = FIRST_LOCAL_PORT - 1;

    /**
     * Binds and listens on {@code udsPath}, which {@link #close()} removes again (so that a VM rebuilt after a
     * guest reset can bind it anew).
     *
     * @param udsPath   a path that does not exist, at most {@link UnixSocket#MAX_PATH_BYTES} bytes
     * @param nanoClock monotonic nanoseconds (System::nanoTime), for shutdown deadlines
     * @throws io.kvmj.sys.SyscallException naming the path when it cannot be bound (EADDRINUSE when it exists)
     * @throws IllegalArgumentException when the path is empty or too long for {@code sun_path}
     */
    public VsockMuxer(long guestCid, String udsPath, LongSupplier nanoClock) {
        this.guestCid = guestCid;
        this.udsPath = udsPath;
        this.nanoClock = nanoClock;
        this.listener = UnixSocket.listen(udsPath, LISTEN_BACKLOG);
    }

    /** The driver is ready: start accepting host connections and watching streams. */
    public void activate(DeviceEvents deviceEvents) {
        this.events = deviceEvents;
        listenerSource = events.add(listener.fd(), EventOps.READABLE, ready -> acceptAll());
        timerSource = events.add(killTimer.fd(), EventOps.READABLE, ready -> {
            killTimer.drain();
            sweep(nanoClock.getAsLong());
        });
    }

    /** Device reset: every stream and handshake is closed (their sources are already gone); the listener stays. */
    public void reset() {
        for (VsockConnection c : connections.values()) {
            c.source = null;
            c.socket.close();
        }
        for (PendingStream p : pending) {
            p.socket.close();
        }
        connections.clear();
        localPorts.clear();
        pending.clear();
        rxPending.clear();
        rstQueue.clear();
        killTimer.disarm();
        events = null;
        listenerSource = null;
        timerSource = null;
    }

    /** Closes every stream and the listener, and removes the listener's path (bound by us, ours to remove). */
    @Override
    public void close() {
        reset();
        int r = Libc.unlinkRaw(udsPath);
        if (r < 0) {
            LOG.warning(() -> "vsock: could not remove " + udsPath + ": " + Errno.name(-r));
        }
        listener.close();
        killTimer.close();
        arena.close();
    }

    int connectionCount() {
        return connections.size() + pending.size();
    }

    VsockConnection connection(int localPort, int peerPort) {
        return connections.get(VsockConnection.key(localPort, peerPort));
    }

    // ---- host side ----

    private void acceptAll() {
        UnixSocket s;
        while ((s = listener.accept()) != null) {
            if (connectionCount() >= MAX_CONNECTIONS) {
                LOG.fine("vsock: connection limit reached, host connection refused");
                s.close();
                continue;
            }
            PendingStream p = new PendingStream(s);
            pending.add(p);
            p.source = events.add(s.fd(), EventOps.READABLE, ready -> readCommand(p));
        }
    }

    /** Reads the CONNECT line byte by byte, so nothing after the newline (stream data) is consumed. */
    private void readCommand(PendingStream p) {
        MemorySegment one = scratch.asSlice(0, 1);
        while (true) {
            long n = p.socket.read(one);
            if (UnixSocket.isAgain(n)) {
                return;
            }
            if (n <= 0) {
                p.close(); // gone before finishing the command
                return;
            }
            byte b = one.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0);
            if (b == '\n') {
                String command = new String(p.line, 0, p.length, StandardCharsets.US_ASCII);
                startHostConnection(p, command);
                return;
            }
            if (p.length == MAX_COMMAND_BYTES - 1) {
                p.close(); // no such command is this long
                return;
            }
            p.line[p.length++] = b;
        }
    }

    /** Parses {@code CONNECT <port>}; -1 when the line is anything else. */
    static long parseConnect(String line) {
        String[] words = line.trim().split(" +");
        if (words.length != 2 || !words[0].equalsIgnoreCase("CONNECT")) {
            return -1;
        }
        try {
            long port = Long.parseLong(words[1]);
            return port >= 0 && port <= 0xffffffffL ? port : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void startHostConnection(PendingStream p, String command) {
        long port = parseConnect(command);
        if (port < 0) {
            LOG.fine(() -> "vsock: bad host command, closing: " + command);
            p.close();
            return;
        }
        p.source.remove();
        pending.remove(p);
        int local = allocateLocalPort();
        VsockConnection c = new VsockConnection(local, (int) port, p.socket, VsockConnection.State.LOCAL_INIT);
        c.pendingRequest = true;
        add(c);
        c.source = events.add(c.socket.fd(), 0, ready -> hostReady(c, ready));
        rxPending.add(c);
    }

    private int allocateLocalPort() {
        do {
            lastLocalPort = lastLocalPort == -1 ? FIRST_LOCAL_PORT : lastLocalPort + 1; // wraps past 2^32-1
            if (lastLocalPort == 0) {
                lastLocalPort = FIRST_LOCAL_PORT;
            }
        } while (localPorts.contains(lastLocalPort));
        return lastLocalPort;
    }

    /** Whether {@code c} is still a stream of ours (not reset or removed since it was looked up). */
    private boolean live(VsockConnection c) {
        return connections.get(c.key()) == c;
    }

    private void add(VsockConnection c) {
        connections.put(c.key(), c);
        localPorts.add(c.localPort);
    }

    /** Readiness of an established stream's host socket. */
    private void hostReady(VsockConnection c, int ready) {
        if ((ready & EventOps.WRITABLE) != 0) {
            if (!c.flushToHost(scratch)) {
                reset(c);
                return;
            }
            afterFlush(c);
            if (!live(c)) {
                return; // drained for a guest that had shut down both ways: reset, whatever else was ready
            }
        }
        if ((ready & (EventOps.HANGUP | EventOps.ERROR)) != 0 && c.state == VsockConnection.State.LOCAL_INIT) {
            reset(c); // the host program left before the guest answered
            return;
        }
        if ((ready & (EventOps.HANGUP | EventOps.ERROR)) != 0) {
            // Level-triggered hang-ups repeat whatever the interest: stop watching, read what is left.
            c.source.remove();
            c.source = null;
            c.hostGone = true;
            c.pendingData = true;
            rxPending.add(c);
        } else if ((ready & EventOps.READABLE) != 0 && c.wantsHostData()) {
            // (readiness reported in the same epoll batch as a guest packet that took the interest away is stale)
            c.pendingData = true;
            rxPending.add(c);
        }
        updateInterest(c);
    }

    private void afterFlush(VsockConnection c) {
        if (c.txBytes == 0 && (c.peerShutdown & VsockHeader.SHUTDOWN_SEND) != 0) {
            c.socket.shutdownOutput();
        }
        if (c.txBytes == 0 && c.resetWhenDrained) {
            reset(c);
            return;
        }
        if (c.pendingCreditUpdate) {
            rxPending.add(c);
        }
    }

    private void updateInterest(VsockConnection c) {
        if (c.source == null) {
            // The host end hung up: no readiness will come, read what is left whenever the guest has credit.
            if (c.hostGone && c.state == VsockConnection.State.ESTABLISHED && !c.pendingData && c.peerCredit() > 0
                    && (c.peerShutdown & VsockHeader.SHUTDOWN_RCV) == 0) {
                c.pendingData = true;
                rxPending.add(c);
            }
        } else {
            c.source.modify((c.wantsHostData() ? EventOps.READABLE : 0) | (c.txBytes > 0 ? EventOps.WRITABLE : 0));
        }
    }

    // ---- guest -> host ----

    /** A packet the device found malformed (length beyond the limit or the chain): its stream is reset. */
    public void reject(VsockHeader h) {
        VsockConnection c = connections.get(VsockConnection.key(h.dstPort(), h.srcPort()));
        if (c != null && h.srcCid() == guestCid) {
            reset(c);
        } else {
            queueRst(h);
        }
    }

    /**
     * A packet from the guest's tx queue; {@code payload} is positioned after the header and holds at least
     * {@code h.len()} bytes (the device checked). Never fails: what cannot be honoured is answered with RST.
     */
    public void send(VsockHeader h, ChainReader payload) {
        if (h.srcCid() != guestCid || h.dstCid() != VsockHeader.HOST_CID) {
            return; // not ours to route (5.10.6.6: the device drops packets with a wrong CID)
        }
        VsockConnection c = connections.get(VsockConnection.key(h.dstPort(), h.srcPort()));
        if (h.type() != VsockHeader.TYPE_STREAM) {
            queueRst(h);
            return;
        }
        if (c == null) {
            if (h.op() == VsockHeader.OP_REQUEST) {
                connectToHost(h);
            } else if (h.op() != VsockHeader.OP_RST) {
                queueRst(h);
            }
            return;
        }
        c.peerCredit(h);
        switch (h.op()) {
            case VsockHeader.OP_RST -> remove(c);
            case VsockHeader.OP_RESPONSE -> established(c);
            case VsockHeader.OP_RW -> guestData(c, h, payload);
            case VsockHeader.OP_CREDIT_UPDATE -> updateInterest(c);
            case VsockHeader.OP_CREDIT_REQUEST -> {
                c.pendingCreditUpdate = true;
                rxPending.add(c);
            }
            case VsockHeader.OP_SHUTDOWN -> guestShutdown(c, h.flags());
            default -> reset(c); // REQUEST on a live stream, or an unknown op
        }
        if (live(c)) {
            updateInterest(c);
        }
    }

    private void connectToHost(VsockHeader h) {
        int port = h.dstPort();
        if (connectionCount() >= MAX_CONNECTIONS || connections.containsKey(VsockConnection.key(port, h.srcPort()))) {
            queueRst(h);
            return;
        }
        int[] error = new int[1];
        UnixSocket s = UnixSocket.connect(udsPath + "_" + Integer.toUnsignedString(port), error);
        if (s == null) {
            queueRst(h); // nobody listens for that port (or its backlog is full)
            return;
        }
        VsockConnection c = new VsockConnection(port, h.srcPort(), s, VsockConnection.State.ESTABLISHED);
        c.peerCredit(h);
        c.pendingResponse = true;
        add(c);
        c.source = events.add(s.fd(), 0, ready -> hostReady(c, ready));
        rxPending.add(c);
    }

    private void established(VsockConnection c) {
        if (c.state != VsockConnection.State.LOCAL_INIT) {
            reset(c);
            return;
        }
        c.state = VsockConnection.State.ESTABLISHED;
        byte[] ok = ("OK " + Integer.toUnsignedString(c.localPort) + "\n").getBytes(StandardCharsets.US_ASCII);
        MemorySegment line = scratch.asSlice(0, ok.length).copyFrom(MemorySegment.ofArray(ok));
        // A fresh stream's socket buffer is empty: a short line fits, or the host end is gone.
        if (c.socket.write(line) != ok.length) {
            reset(c);
        }
    }

    private void guestData(VsockConnection c, VsockHeader h, ChainReader payload) {
        if (c.state != VsockConnection.State.ESTABLISHED || (c.peerShutdown & VsockHeader.SHUTDOWN_SEND) != 0) {
            reset(c);
            return;
        }
        if (!c.sendToHost(payload, h.length())) {
            LOG.fine("vsock: guest exceeded its credit, stream reset");
            reset(c);
            return;
        }
        if (c.hostWriteFailed) {
            reset(c);
            return;
        }
        if (c.pendingCreditUpdate) {
            rxPending.add(c);
        }
    }

    private void guestShutdown(VsockConnection c, int flags) {
        c.peerShutdown |= flags & VsockHeader.SHUTDOWN_BOTH;
        if (c.peerShutdown == VsockHeader.SHUTDOWN_BOTH) {
            // The guest is done with the stream and waits for our RST (Linux does), once its data is out.
            c.resetWhenDrained = true;
            c.killDeadline = nanoClock.getAsLong() + SHUTDOWN_TIMEOUT_NANOS;
            armKillTimer();
        }
        if ((c.peerShutdown & VsockHeader.SHUTDOWN_RCV) != 0) {
            c.pendingData = false;
        }
        afterFlush(c);
    }

    // ---- host -> guest ----

    public boolean hasPendingRx() {
        return !rstQueue.isEmpty() || !rxPending.isEmpty();
    }

    /**
     * Fills one receive chain with the next packet owed to the guest; returns the bytes written, or -1 when
     * there was nothing to put in it after all (the caller gives the chain back).
     *
     * @throws VirtqueueException when the chain cannot hold a header (a broken driver)
     */
    public int fillRx(DescriptorChain chain, GuestMemory memory) throws VirtqueueException {
        Rst rst = rstQueue.poll();
        if (rst != null) {
            header(rst.localPort(), rst.peerPort(), VsockHeader.OP_RST, 0, 0, 0, 0).write(chain.writer(memory));
            return VsockHeader.SIZE;
        }
        while (!rxPending.isEmpty()) {
            VsockConnection c = rxPending.getFirst();
            if (!live(c)) {
                rxPending.remove(c); // reset meanwhile: owes nothing, and its socket is closed
                continue;
            }
            int n = nextPacket(c, chain, memory);
            rxPending.remove(c);
            if (live(c) && c.hasPendingRx()) {
                rxPending.add(c); // to the back: streams take turns, buffer by buffer
            }
            if (n >= 0) {
                return n;
            }
        }
        return -1;
    }

    private int nextPacket(VsockConnection c, DescriptorChain chain, GuestMemory memory) throws VirtqueueException {
        if (c.pendingRequest) {
            c.pendingRequest = false;
            return control(c, chain, memory, VsockHeader.OP_REQUEST, 0);
        }
        if (c.pendingResponse) {
            c.pendingResponse = false;
            return control(c, chain, memory, VsockHeader.OP_RESPONSE, 0);
        }
        if (c.pendingData) {
            int n = data(c, chain, memory);
            if (n >= 0) {
                return n;
            }
        }
        if (c.pendingShutdown != 0) {
            int flags = c.pendingShutdown;
            c.pendingShutdown = 0;
            return control(c, chain, memory, VsockHeader.OP_SHUTDOWN, flags);
        }
        if (c.pendingCreditUpdate) {
            c.pendingCreditUpdate = false;
            return control(c, chain, memory, VsockHeader.OP_CREDIT_UPDATE, 0);
        }
        if (c.pendingCreditRequest) {
            c.pendingCreditRequest = false;
            return control(c, chain, memory, VsockHeader.OP_CREDIT_REQUEST, 0);
        }
        return -1;
    }

    /** A data packet from the host socket; -1 when it had nothing after all. */
    private int data(VsockConnection c, DescriptorChain chain, GuestMemory memory) throws VirtqueueException {
        if (c.peerCredit() == 0) {
            c.pendingData = false;
            c.pendingCreditRequest = true; // reading resumes with the guest's next credit update
            return -1;
        }
        ChainWriter w = chain.writer(memory);
        if (w.remaining() <= VsockHeader.SIZE) {
            throw new VirtqueueException("vsock receive buffer of " + w.remaining() + " bytes has no room for data");
        }
        long n = c.readFromHost(w);
        if (n > 0) {
            c.rxCnt += (int) n;
            header(c, VsockHeader.OP_RW, 0, (int) n).write(chain.writer(memory));
            // More may be waiting: stay pending while the guest has credit, so one batch of receive buffers
            // drains the socket (a read that finds nothing clears it and watches for readiness again).
            c.pendingData = c.peerCredit() > 0;
            updateInterest(c);
            return (int) (VsockHeader.SIZE + n);
        }
        c.pendingData = false;
        if (UnixSocket.isAgain(n)) {
            updateInterest(c);
            return -1;
        }
        // End of stream or a failed socket: the host will send nothing more, and (closed) takes nothing.
        c.hostGone = true;
        if (c.source != null) {
            c.source.remove();
            c.source = null;
        }
        c.state = VsockConnection.State.LOCAL_CLOSED;
        c.pendingShutdown = VsockHeader.SHUTDOWN_BOTH;
        c.killDeadline = nanoClock.getAsLong() + SHUTDOWN_TIMEOUT_NANOS;
        armKillTimer();
        return -1;
    }

    private int control(VsockConnection c, DescriptorChain chain, GuestMemory memory, int op, int flags)
            throws VirtqueueException {
        header(c, op, flags, 0).write(chain.writer(memory));
        if (op == VsockHeader.OP_RST) {
            remove(c);
        }
        return VsockHeader.SIZE;
    }

    private VsockHeader header(VsockConnection c, int op, int flags, int len) {
        c.lastFwdCntSent = c.fwdCnt; // every header tells the guest our credit
        c.pendingCreditUpdate = false;
        return header(c.localPort, c.peerPort, op, flags, len, VsockConnection.BUF_ALLOC, c.fwdCnt);
    }

    private VsockHeader header(int localPort, int peerPort, int op, int flags, int len, int bufAlloc, int fwdCnt) {
        return new VsockHeader(VsockHeader.HOST_CID, guestCid, localPort, peerPort, len, VsockHeader.TYPE_STREAM, op,
                flags, bufAlloc, fwdCnt);
    }

    // ---- ending streams ----

    private void queueRst(VsockHeader h) {
        if (h.op() == VsockHeader.OP_RST) {
            return; // never answer a reset with a reset
        }
        if (rstQueue.size() < MAX_RST_QUEUE) {
            rstQueue.add(new Rst(h.dstPort(), h.srcPort()));
        }
    }

    /** Resets a stream: closes the host end now, tells the guest RST. */
    private void reset(VsockConnection c) {
        remove(c);
        if (rstQueue.size() < MAX_RST_QUEUE) {
            rstQueue.add(new Rst(c.localPort, c.peerPort));
        }
    }

    private void remove(VsockConnection c) {
        if (connections.remove(c.key(), c)) {
            localPorts.remove(c.localPort);
            rxPending.remove(c);
            c.close();
        }
    }

    private void armKillTimer() {
        long earliest = Long.MAX_VALUE;
        for (VsockConnection c : connections.values()) {
            if (c.killDeadline != 0) {
                earliest = Math.min(earliest, c.killDeadline);
            }
        }
        if (earliest != Long.MAX_VALUE) {
            killTimer.arm(earliest - nanoClock.getAsLong());
        }
    }

    /** Resets every stream whose shutdown went unanswered past its deadline, as of {@code now}. */
    void sweep(long now) {
        List<VsockConnection> expired = new ArrayList<>();
        for (VsockConnection c : connections.values()) {
            if (c.killDeadline != 0 && now - c.killDeadline >= 0) {
                expired.add(c);
            }
        }
        expired.forEach(this::reset);
        armKillTimer();
    }
}
