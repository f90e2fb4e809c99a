package io.kvmj.virtio.vsock;

import io.kvmj.sys.EventFd;
import io.kvmj.sys.SyscallException;
import io.kvmj.sys.UnixSocket;
import io.kvmj.virtio.DeviceEvents;
import io.kvmj.virtio.queue.ChainReader;
import io.kvmj.virtio.queue.Descriptor;
import io.kvmj.virtio.queue.DescriptorChain;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.event.EventLoop;
import io.kvmj.vmm.event.EventOps;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The muxer between a fake guest (packets built in fake guest memory, as the driver would put them in its
 * queues) and real host Unix sockets; the event loop is driven by hand.
 */
class VsockMuxerTest {
    static final long CID = 3;
    static final long TX_AT = 0x1000;
    static final long RX_AT = 0x40000;
    static final int RX_BUF = 4096;

    @TempDir
    Path dir;
    private final Arena arena = Arena.ofShared();
    private final GuestMemory mem = new RegionGuestMemory(List.of(new GuestRegion(0, arena.allocate(1 << 20, 4096))));
    private final EventLoop loop = new EventLoop();
    private final List<AutoCloseable> open = new ArrayList<>();
    private long now = 1_000;
    private String uds;
    private VsockMuxer muxer;

    @BeforeEach
    void start() {
        uds = dir.resolve("v.sock").toString();
        muxer = new VsockMuxer(CID, uds, () -> now);
        DeviceEvents events = (fd, interest, handler) -> loop.add(fd, interest, ready -> {
            try {
                handler.ready(ready);
            } catch (VirtqueueException e) {
                throw new AssertionError(e);
            }
        });
        muxer.activate(events);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        muxer.close();
        loop.close();
        arena.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    // ---- the fake guest ----

    private void send(int op, int srcPort, int dstPort, int flags, byte[] payload) {
        send(new VsockHeader(CID, VsockHeader.HOST_CID, srcPort, dstPort, payload.length, VsockHeader.TYPE_STREAM, op,
                flags, 1 << 20, 0), payload);
    }

    private void send(VsockHeader h, byte[] payload) {
        DescriptorChain chain = DescriptorChain.of(0, List.of(new Descriptor(TX_AT, VsockHeader.SIZE + payload.length, false)));
        try {
            h.write(DescriptorChain.of(0, List.of(new Descriptor(TX_AT, VsockHeader.SIZE, true))).writer(mem));
        } catch (VirtqueueException e) {
            throw new AssertionError(e);
        }
        mem.write(TX_AT + VsockHeader.SIZE, payload);
        ChainReader r = chain.reader(mem);
        try {
            muxer.send(VsockHeader.read(r), r);
        } catch (VirtqueueException e) {
            throw new AssertionError(e);
        }
    }

    private record Packet(VsockHeader h, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.US_ASCII);
        }
    }

    /** The next packet the muxer owes the guest, or null. */
    private Packet rx() throws VirtqueueException {
        DescriptorChain chain = DescriptorChain.of(0, List.of(new Descriptor(RX_AT, VsockHeader.SIZE + RX_BUF, true)));
        int n = muxer.fillRx(chain, mem);
        if (n < 0) {
            return null;
        }
        VsockHeader h = VsockHeader.read(DescriptorChain.of(0, List.of(new Descriptor(RX_AT, VsockHeader.SIZE, false))).reader(mem));
        assertEquals(n, VsockHeader.SIZE + h.len());
        assertEquals(VsockHeader.HOST_CID, h.srcCid());
        assertEquals(CID, h.dstCid());
        return new Packet(h, mem.read(RX_AT + VsockHeader.SIZE, h.len()));
    }

    /** Runs the handlers of everything ready until nothing is. */
    private void settle() {
        while (loop.dispatch(0) > 0) {
            // each round may make new sources ready (an accepted connection's first bytes)
        }
    }

    /** The host end was closed by the muxer: end of stream, or a reset when it left data unread. */
    private static void assertClosed(SocketChannel c, String what) {
        try {
            assertEquals(-1, c.read(ByteBuffer.allocate(1)), what);
        } catch (IOException e) {
            assertTrue(e.getMessage().contains("reset"), what + ": " + e);
        }
    }

    private Packet rxExpect(int op) throws VirtqueueException {
        settle();
        Packet p = rx();
        assertNotNull(p, "expected op " + op);
        assertEquals(op, p.h().op(), () -> "packet " + p.h());
        return p;
    }

    // ---- the host side ----

    private SocketChannel hostClient() throws IOException {
        SocketChannel c = keep(SocketChannel.open(StandardProtocolFamily.UNIX));
        c.connect(UnixDomainSocketAddress.of(uds));
        return c;
    }

    private static void write(SocketChannel c, String s) throws IOException {
        c.write(ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII)));
    }

    /** Reads exactly {@code n} bytes (blocking: only called when the muxer has written them). */
    private static String read(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                break;
            }
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
    }

    /** A host-initiated stream to guest port 52, accepted by the guest; returns the local port. */
    private int connectFromHost(SocketChannel c) throws Exception {
        write(c, "CONNECT 52\n");
        Packet req = rxExpect(VsockHeader.OP_REQUEST);
        assertEquals(52, req.h().dstPort());
        send(VsockHeader.OP_RESPONSE, 52, req.h().srcPort(), 0, new byte[0]);
        String ok = "OK " + Integer.toUnsignedString(req.h().srcPort()) + "\n";
        assertEquals(ok, read(c, ok.length()));
        return req.h().srcPort();
    }

    @Test
    void theSocketPathIsOursWhileTheMuxerLivesAndFreeAfterwards() {
        assertTrue(Files.exists(Path.of(uds)), "bound at " + uds);
        SyscallException inUse = assertThrows(SyscallException.class, () -> new VsockMuxer(CID, uds, () -> now));
        assertEquals("EADDRINUSE", inUse.errnoName());
        muxer.close();
        assertFalse(Files.exists(Path.of(uds)), "removed at close");
        muxer = new VsockMuxer(CID, uds, () -> now); // as a VM rebuilt after a guest reset does
        assertTrue(Files.exists(Path.of(uds)));
    }

    @Test
    void aPathThatExistsIsLeftAlone() throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "not ours");
        assertThrows(SyscallException.class, () -> new VsockMuxer(CID, file.toString(), () -> now));
        assertEquals("not ours", Files.readString(file));
    }

    @Test
    void hostInitiatedStreamCarriesDataBothWays() throws Exception {
        SocketChannel c = hostClient();
        int local = connectFromHost(c);
        assertEquals(VsockMuxer.FIRST_LOCAL_PORT, local);
        write(c, "hello");
        Packet data = rxExpect(VsockHeader.OP_RW);
        assertEquals("hello", data.text());
        assertEquals(local, data.h().srcPort());
        send(VsockHeader.OP_RW, 52, local, 0, "world".getBytes(StandardCharsets.US_ASCII));
        assertEquals("world", read(c, 5));
        // The host closes: the guest is told SHUTDOWN, answers RST, and the stream is gone.
        c.close();
        Packet shutdown = rxExpect(VsockHeader.OP_SHUTDOWN);
        assertEquals(VsockHeader.SHUTDOWN_BOTH, shutdown.h().flags());
        send(VsockHeader.OP_RST, 52, local, 0, new byte[0]);
        assertNull(muxer.connection(local, 52));
    }

    @Test
    void guestConnectsToTheListenerForItsPort() throws Exception {
        ServerSocketChannel listener = keep(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
        listener.bind(UnixDomainSocketAddress.of(uds + "_52"));
        send(VsockHeader.OP_REQUEST, 1234, 52, 0, new byte[0]);
        Packet response = rxExpect(VsockHeader.OP_RESPONSE);
        assertEquals(52, response.h().srcPort());
        assertEquals(1234, response.h().dstPort());
        SocketChannel peer = keep(listener.accept());
        send(VsockHeader.OP_RW, 1234, 52, 0, "ping".getBytes(StandardCharsets.US_ASCII));
        assertEquals("ping", read(peer, 4));
        write(peer, "pong");
        assertEquals("pong", rxExpect(VsockHeader.OP_RW).text());
        // The guest closes: after a full SHUTDOWN it expects our RST; the host end sees end of stream.
        send(VsockHeader.OP_SHUTDOWN, 1234, 52, VsockHeader.SHUTDOWN_BOTH, new byte[0]);
        assertEquals(VsockHeader.OP_RST, rx().h().op());
        assertEquals(-1, peer.read(ByteBuffer.allocate(1)));
    }

    @Test
    void connectingToAPortNobodyListensOnIsReset() throws Exception {
        send(VsockHeader.OP_REQUEST, 1234, 99, 0, new byte[0]);
        Packet rst = rxExpect(VsockHeader.OP_RST);
        assertEquals(99, rst.h().srcPort());
        assertEquals(0, muxer.connectionCount());
    }

    @Test
    void guestRefusingAHostConnectionClosesTheHostEnd() throws Exception {
        SocketChannel c = hostClient();
        write(c, "CONNECT 77\n");
        Packet req = rxExpect(VsockHeader.OP_REQUEST);
        send(VsockHeader.OP_RST, 77, req.h().srcPort(), 0, new byte[0]);
        assertClosed(c, "closed without an OK");
    }

    @Test
    void badCommandsCloseTheHostConnection() throws Exception {
        for (String bad : List.of("HELLO 5\n", "CONNECT\n", "CONNECT x\n", "CONNECT 99999999999\n",
                "CONNECT 5 6\n", "C".repeat(VsockMuxer.MAX_COMMAND_BYTES + 5))) {
            SocketChannel c = hostClient();
            write(c, bad);
            settle();
            assertClosed(c, bad);
        }
        assertNull(rx());
        assertEquals(0, muxer.connectionCount());
        assertEquals(5, VsockMuxer.parseConnect("connect 5"));
    }

    @Test
    void packetsForNoStreamAreAnsweredWithRstButNeverRstWithRst() throws Exception {
        send(VsockHeader.OP_RW, 1, 2, 0, "x".getBytes(StandardCharsets.US_ASCII));
        assertEquals(VsockHeader.OP_RST, rx().h().op());
        send(VsockHeader.OP_RST, 1, 2, 0, new byte[0]);
        assertNull(rx());
        // Wrong type: reset; wrong CIDs: dropped.
        send(new VsockHeader(CID, VsockHeader.HOST_CID, 1, 2, 0, 2, VsockHeader.OP_REQUEST, 0, 0, 0), new byte[0]);
        assertEquals(VsockHeader.OP_RST, rx().h().op());
        send(new VsockHeader(CID + 1, VsockHeader.HOST_CID, 1, 2, 0, 1, VsockHeader.OP_REQUEST, 0, 0, 0), new byte[0]);
        send(new VsockHeader(CID, 7, 1, 2, 0, 1, VsockHeader.OP_REQUEST, 0, 0, 0), new byte[0]);
        assertNull(rx());
    }

    @Test
    void aFloodOfBogusPacketsOwesABoundedNumberOfResets() throws Exception {
        for (int i = 0; i < 10 * VsockMuxer.MAX_RST_QUEUE; i++) {
            send(VsockHeader.OP_CREDIT_UPDATE, i, 5, 0, new byte[0]);
        }
        int resets = 0;
        while (rx() != null) {
            resets++;
        }
        assertEquals(VsockMuxer.MAX_RST_QUEUE, resets);
    }

    @Test
    void aHeaderCutShortCannotBeRead() {
        DescriptorChain shortChain = DescriptorChain.of(0, List.of(new Descriptor(TX_AT, VsockHeader.SIZE - 1, false)));
        assertThrows(VirtqueueException.class, () -> VsockHeader.read(shortChain.reader(mem)));
    }

    @Test
    void rejectedPacketsResetTheirStream() throws Exception {
        SocketChannel c = hostClient();
        int local = connectFromHost(c);
        muxer.reject(new VsockHeader(CID, VsockHeader.HOST_CID, 52, local, 1 << 30, 1, VsockHeader.OP_RW, 0, 0, 0));
        assertEquals(VsockHeader.OP_RST, rx().h().op());
        assertNull(muxer.connection(local, 52));
        assertClosed(c, "reset");
    }

    @Test
    void guestSendingBeyondItsCreditIsResetWithBoundedBuffering() throws Exception {
        SocketChannel c = hostClient();
        int local = connectFromHost(c); // the host never reads from now on
        byte[] chunk = new byte[VsockConnection.MAX_PAYLOAD];
        int sent = 0;
        while (muxer.connection(local, 52) != null) {
            send(VsockHeader.OP_RW, 52, local, 0, chunk);
            sent += chunk.length;
            VsockConnection conn = muxer.connection(local, 52);
            if (conn != null) {
                assertTrue(conn.txBytes <= VsockConnection.BUF_ALLOC, "buffered " + conn.txBytes);
            }
            assertTrue(sent < 64 * 1024 * 1024, "never reset");
        }
        Packet last = null;
        for (Packet p = rx(); p != null; p = rx()) {
            last = p;
        }
        assertNotNull(last);
        assertEquals(VsockHeader.OP_RST, last.h().op());
    }

    @Test
    void hostDataWaitsForTheGuestsCredit() throws Exception {
        SocketChannel c = hostClient();
        write(c, "CONNECT 52\n");
        Packet req = rxExpect(VsockHeader.OP_REQUEST);
        int local = req.h().srcPort();
        // The guest accepts with a 3-byte buffer.
        send(new VsockHeader(CID, VsockHeader.HOST_CID, 52, local, 0, 1, VsockHeader.OP_RESPONSE, 0, 3, 0), new byte[0]);
        read(c, ("OK " + local + "\n").length());
        write(c, "abcdef");
        assertEquals("abc", rxExpect(VsockHeader.OP_RW).text());
        settle();
        assertNull(rx(), "no credit left: nothing more, and the socket is not watched for data");
        assertEquals(0, loop.dispatch(0));
        // The guest consumed the 3 bytes.
        send(new VsockHeader(CID, VsockHeader.HOST_CID, 52, local, 0, 1, VsockHeader.OP_CREDIT_UPDATE, 0, 3, 3), new byte[0]);
        assertEquals("def", rxExpect(VsockHeader.OP_RW).text());
    }

    /** One readiness event drains the socket into as many receive buffers as it takes, streams taking turns. */
    @Test
    void hostDataFillsBuffersInTurnsWithoutWaitingForReadinessAgain() throws Exception {
        SocketChannel a = hostClient();
        int localA = connectFromHost(a);
        SocketChannel b = hostClient();
        int localB = connectFromHost(b);
        write(a, "a".repeat(2 * RX_BUF + 10));
        write(b, "b".repeat(RX_BUF));
        settle();
        List<Integer> order = new ArrayList<>();
        int bytes = 0;
        for (Packet p = rx(); p != null; p = rx()) {
            if (p.h().op() == VsockHeader.OP_RW) {
                order.add(p.h().srcPort());
                bytes += p.h().len();
            }
        }
        assertEquals(3 * RX_BUF + 10, bytes, "all of it, with no event loop round in between");
        assertEquals(List.of(localA, localB, localA, localA), order, "the two streams take turns");
    }

    @Test
    void creditRequestIsAnsweredAndForwardedBytesAreAnnounced() throws Exception {
        SocketChannel c = hostClient();
        int local = connectFromHost(c);
        send(VsockHeader.OP_RW, 52, local, 0, "12345".getBytes(StandardCharsets.US_ASCII));
        Packet update = rx();
        assertEquals(VsockHeader.OP_CREDIT_UPDATE, update.h().op());
        assertEquals(5, update.h().fwdCnt());
        assertEquals(VsockConnection.BUF_ALLOC, update.h().bufAlloc());
        send(VsockHeader.OP_CREDIT_REQUEST, 52, local, 0, new byte[0]);
        assertEquals(VsockHeader.OP_CREDIT_UPDATE, rx().h().op());
    }

    /**
     * One epoll batch can report a guest packet's doorbell and then the readiness of the socket it makes moot:
     * here the guest shuts down both ways while its data waits for the host, and the host both reads that data
     * (the socket turns writable: the flush ends the stream) and writes more (stale readability). The stream
     * must end in one RST, with no reads of its closed socket and no spinning over it.
     */
    @Test
    void readinessReportedForAStreamResetInTheSameBatchIsIgnored() throws Exception {
        SocketChannel c = hostClient();
        int local = connectFromHost(c);
        byte[] chunk = new byte[VsockConnection.MAX_PAYLOAD];
        while (muxer.connection(local, 52).txBytes == 0) {
            send(VsockHeader.OP_RW, 52, local, 0, chunk); // until the socket is full and the rest waits with us
        }
        while (rx() != null) {
            // credit updates
        }
        EventFd doorbell = keep(new EventFd());
        loop.add(doorbell.fd(), EventOps.READABLE, ready -> {
            doorbell.drain();
            send(VsockHeader.OP_SHUTDOWN, 52, local, VsockHeader.SHUTDOWN_BOTH, new byte[0]);
        });
        doorbell.signal(); // ready first, so first in the batch
        write(c, "late");
        c.configureBlocking(false);
        ByteBuffer sink = ByteBuffer.allocate(1 << 20);
        while (c.read(sink.clear()) > 0) {
            // the host takes what the muxer wrote: the socket turns writable
        }
        c.configureBlocking(true);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertEquals(2, loop.dispatch(0), "the doorbell and the socket in one batch");
            assertNull(muxer.connection(local, 52), "drained after the guest's shutdown: reset");
            assertEquals(VsockHeader.OP_RST, rx().h().op());
            assertNull(rx(), "nothing more for a reset stream");
            assertFalse(muxer.hasPendingRx());
        });
    }

    @Test
    void connectionFloodsAreBounded() throws Exception {
        ServerSocketChannel listener = keep(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
        listener.bind(UnixDomainSocketAddress.of(uds + "_52"), 2 * VsockMuxer.MAX_CONNECTIONS);
        int refused = 0;
        for (int i = 0; i < VsockMuxer.MAX_CONNECTIONS + 20; i++) {
            send(VsockHeader.OP_REQUEST, 5000 + i, 52, 0, new byte[0]);
            Packet p = rx();
            if (p.h().op() == VsockHeader.OP_RST) {
                refused++;
            }
        }
        assertEquals(20, refused);
        assertEquals(VsockMuxer.MAX_CONNECTIONS, muxer.connectionCount());
        // Host connections beyond the limit are closed at once.
        SocketChannel c = hostClient();
        settle();
        assertClosed(c, "over the limit");
    }

    @Test
    void anUnansweredShutdownEndsInRstAfterTheDeadline() throws Exception {
        SocketChannel c = hostClient();
        int local = connectFromHost(c);
        c.close();
        rxExpect(VsockHeader.OP_SHUTDOWN);
        muxer.sweep(now + VsockMuxer.SHUTDOWN_TIMEOUT_NANOS - 1);
        assertNull(rx());
        muxer.sweep(now + VsockMuxer.SHUTDOWN_TIMEOUT_NANOS);
        assertEquals(VsockHeader.OP_RST, rx().h().op());
        assertNull(muxer.connection(local, 52));
    }

    @Test
    void deviceResetClosesEveryStreamAndKeepsListening() throws Exception {
        SocketChannel c = hostClient();
        connectFromHost(c);
        muxer.reset();
        assertClosed(c, "device reset");
        assertEquals(0, muxer.connectionCount());
        SocketChannel again = hostClient(); // the uds_path listener still takes connections
        assertTrue(again.isConnected());
    }
}
