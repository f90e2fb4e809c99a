package io.kvmj.it.linux;

import io.kvmj.it.Environment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * virtio-vsock as a stock Linux uses it (vsock, vmw_vsock_virtio_transport), in Firecracker's hybrid model, in one
 * boot. In the guest our static {@code stream_echo} (guests/linux) serves port {@value #ECHO_PORT}, echoing each
 * stream in a process of its own, and connects out to the host's port {@value #HOST_PORT}. On the host, several
 * clients at once connect to {@code uds_path} with {@code CONNECT 5000\n}, get {@code OK <port>\n} and have a few
 * hundred KiB echoed byte for byte (more than the 256 KiB of credit either side announces, so credit updates
 * flow); one more client vanishes mid-stream while the others are half-way, a guest process streaming to the
 * host's port {@value #ABRUPT_PORT} is killed, and the others carry on; a listener on {@code <uds_path>_6000} takes the guest's connection and echoes its payload. The guest reads its CID from the
 * config, and kvmj removes the socket when the VM ends. QEMU with vhost-vsock runs the same guest as the reference,
 * with a host side of its own (AF_VSOCK, not Unix sockets).
 */
@Tag("linux")
class LinuxVsockTest {
    static final int ECHO_PORT = 5000;
    static final int HOST_PORT = 6000;
    /** The guest streams to this host port until it is killed (-9) after a few seconds. */
    static final int ABRUPT_PORT = 6001;
    static final long GUEST_CID = 52;
    static final int CLIENTS = 4;
    static final int STREAM_BYTES = 384 << 10;
    static final int GUEST_BYTES = 320 << 10;
    /** The guest's pattern (stream_echo.c): xorshift32 from this seed, the low byte of each step. */
    static final int PATTERN_SEED = 0x2545f491;

    static final Path VHOST_VSOCK = Path.of("/dev/vhost-vsock");

    /** The guest serves {@code streams} streams on the echo port while it connects out to the host's port. */
    private static String job(int streams) {
        return """
                ( stream_echo connect vsock:2:%d 268435456 > /dev/null & abrupt=$!; sleep 3; kill -9 $abrupt ) &
                stream_echo serve vsock:%d %d &
                server=$!
                stream_echo connect vsock:2:%d %d
                connected=$?
                wait $server
                served=$?
                echo "exit_statuses=$connected $served"
                [ $connected -eq 0 ] && [ $served -eq 0 ]
                """.formatted(ABRUPT_PORT, ECHO_PORT, streams, HOST_PORT, GUEST_BYTES);
    }

    private static LinuxMachine machine(DebianKernel kernel, int streams, Path uds) {
        return LinuxMachine.of(kernel.bzImage(), Initramfs.forJob(kernel,
                        List.of("virtio_mmio", "vsock", "vmw_vsock_virtio_transport_common",
                                "vmw_vsock_virtio_transport"), job(streams))
                        .withProgram(Environment.linuxProgram("stream_echo")))
                .withVsock(new LinuxMachine.Vsock(GUEST_CID, uds));
    }

    @TempDir
    Path dir;

    @Test
    void hostAndGuestStreamsBothWaysSeveralAtOnceAndAVanishingClientHarmsNoOther() throws Exception {
        Environment.requireLinuxUserSpace();
        DebianKernel kernel = DebianKernel.fetch();
        Path uds = dir.resolve("v.sock");
        LinuxMachine machine = machine(kernel, CLIENTS + 1, uds);

        ExecutorService pool = Executors.newCachedThreadPool();
        try (ServerSocketChannel hostListener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             ServerSocketChannel abruptListener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            hostListener.bind(UnixDomainSocketAddress.of(uds + "_" + HOST_PORT));
            Future<Integer> guestInitiated = pool.submit(() -> echoOneGuestStream(hostListener));
            abruptListener.bind(UnixDomainSocketAddress.of(uds + "_" + ABRUPT_PORT));
            Future<String> abrupt = pool.submit(() -> readUntilTheEnd(abruptListener));
            CountDownLatch vanished = new CountDownLatch(1);
            Future<String> vanishing = pool.submit(() -> vanish(uds, vanished));
            List<Future<Long>> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int seed = i;
                clients.add(pool.submit(() -> echoedByteForByte(uds, seed, vanished, pool)));
            }

            LinuxRun run = LinuxBoot.run(Vmm.KVMJ, machine);

            run.assertJobPassedAndPoweredOff();
            assertEquals(Long.toString(GUEST_CID), run.value("local_cid"), run.toString());
            assertEquals("ok sent=" + GUEST_BYTES + " received=" + GUEST_BYTES, run.value("connect"),
                    run.toString());
            assertEquals(GUEST_BYTES, guestInitiated.get(10, TimeUnit.SECONDS));
            assertEquals(Integer.toString(CLIENTS + 1), run.value("served"), run.toString());
            long nanos = 0;
            for (Future<Long> client : clients) {
                nanos = Math.max(nanos, client.get(10, TimeUnit.SECONDS));
            }
            String vanisher = vanishing.get(10, TimeUnit.SECONDS);
            String abruptEnd = abrupt.get(10, TimeUnit.SECONDS);
            assertTrue(abruptEnd.startsWith("ended after "), abruptEnd);
            List<String> streams = run.jobOutput().lines().filter(l -> l.startsWith("stream=")).toList();
            assertEquals(CLIENTS + 1, streams.size(), run.toString());
            assertEquals(CLIENTS, streams.stream().filter(l -> l.equals("stream=" + STREAM_BYTES + " eof")).count(),
                    "every whole stream echoed to its end: " + streams);
            assertFalse(Files.exists(uds), "kvmj removes its socket when the VM ends");
            System.out.printf("vsock: %d streams of %d KiB echoed at once in %.1f s (%.0f KiB/s each way in all); "
                            + "guest-initiated %d KiB both ways; vanishing client: %s; killed guest stream: %s%n", CLIENTS,
                    STREAM_BYTES >> 10, nanos / 1e9, CLIENTS * (STREAM_BYTES / 1024.0) / (nanos / 1e9), GUEST_BYTES >> 10,
                    vanisher, abruptEnd);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The reference: the same guest on QEMU with vhost-vsock, whose host side is the host kernel's AF_VSOCK, so
     * {@code stream_echo} itself is the host's program: {@code serve} takes the guest's connection to port
     * {@value #HOST_PORT}, and several {@code connect vsock:52:5000} at once have their stream echoed (shutting down
     * their sending side at the end, which AF_VSOCK passes on as such). No vanishing client here.
     */
    @Test
    void theSameGuestOnQemuWithVhostVsock() throws Exception {
        Environment.requireLinuxUserSpace();
        Environment.require(Files.exists(VHOST_VSOCK), VHOST_VSOCK + " (modprobe vhost_vsock; the nested machine of "
                + "scripts/nested-kvm.sh loads it)");
        DebianKernel kernel = DebianKernel.fetch();
        Path echo = Environment.linuxProgram("stream_echo");
        ExecutorService pool = Executors.newCachedThreadPool();
        Process hostServer = new ProcessBuilder(echo.toString(), "serve", "vsock:" + HOST_PORT, "1")
                .redirectErrorStream(true).start();
        try {
            Future<String> served = pool.submit(() -> new String(hostServer.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8));
            List<Future<Long>> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(pool.submit(() -> echoedThroughVhost(echo)));
            }

            LinuxRun run = LinuxBoot.run(Vmm.QEMU, machine(kernel, CLIENTS, dir.resolve("unused.sock")));

            run.assertJobPassedAndPoweredOff();
            assertEquals(Long.toString(GUEST_CID), run.value("local_cid"), run.toString());
            assertEquals("ok sent=" + GUEST_BYTES + " received=" + GUEST_BYTES, run.value("connect"),
                    run.toString());
            assertEquals(Integer.toString(CLIENTS), run.value("served"), run.toString());
            assertEquals(CLIENTS, run.jobOutput().lines().filter(l -> l.equals("stream=" + STREAM_BYTES + " eof"))
                    .count(), run.toString());
            long nanos = 0;
            for (Future<Long> client : clients) {
                nanos = Math.max(nanos, client.get(10, TimeUnit.SECONDS));
            }
            assertTrue(hostServer.waitFor(10, TimeUnit.SECONDS), "the host's server ends after its one stream");
            String hostOutput = served.get(10, TimeUnit.SECONDS);
            assertTrue(hostOutput.contains("stream=" + GUEST_BYTES + " eof"), hostOutput);
            System.out.printf("vsock on QEMU vhost-vsock: %d streams of %d KiB echoed at once in %.1f s "
                            + "(%.0f KiB/s each way in all)%n", CLIENTS, STREAM_BYTES >> 10, nanos / 1e9,
                    CLIENTS * (STREAM_BYTES / 1024.0) / (nanos / 1e9));
        } finally {
            hostServer.destroyForcibly();
            pool.shutdownNow();
        }
    }

    /**
     * Runs {@code stream_echo connect} to the guest's echo port until the guest listens (before, the connection is
     * reset or times out); returns the nanoseconds the successful run took.
     */
    private static long echoedThroughVhost(Path echo) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + LinuxBoot.TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            long start = System.nanoTime();
            Process p = new ProcessBuilder(echo.toString(), "connect", "vsock:" + GUEST_CID + ":" + ECHO_PORT,
                    Integer.toString(STREAM_BYTES)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() == 0) {
                assertEquals("connect=ok sent=" + STREAM_BYTES + " received=" + STREAM_BYTES, out);
                return System.nanoTime() - start;
            }
            assertTrue(out.startsWith("connect=failed (connect: "), "the stream failed after connecting: " + out);
            Thread.sleep(250);
        }
        throw new IOException("the guest did not accept on port " + ECHO_PORT + " in time");
    }

    /**
     * Connects to kvmj's socket and asks for the guest's echo port, again until the guest listens (before, the
     * guest answers with a reset and kvmj closes the connection without an {@code OK}).
     */
    private static SocketChannel connectToGuest(Path uds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + LinuxBoot.TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(uds)) {
                SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(uds));
                c.write(ByteBuffer.wrap(("CONNECT " + ECHO_PORT + "\n").getBytes(StandardCharsets.US_ASCII)));
                String line = readLine(c);
                if (line != null) {
                    assertTrue(line.matches("OK [0-9]+"), "handshake answer: " + line);
                    return c;
                }
                c.close();
            }
            Thread.sleep(250);
        }
        throw new IOException("the guest did not accept on port " + ECHO_PORT + " in time");
    }

    /** One line without its newline, read byte by byte so that no stream data is consumed; null at end of stream. */
    private static String readLine(SocketChannel c) throws IOException {
        StringBuilder line = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (c.read(one) < 0) {
                return null;
            }
            char ch = (char) one.get(0);
            if (ch == '\n') {
                return line.toString();
            }
            line.append(ch);
        }
    }

    /**
     * A client whose stream is echoed: it sends half, waits until the vanishing client is gone, sends the rest,
     * checks every byte that comes back and closes. It does not shut down its sending side before: a Unix socket's
     * reader cannot tell that from a close, and kvmj, as Firecracker, ends the guest's stream both ways at the host
     * end's end of stream. Returns the nanoseconds from OK to the last byte.
     */
    private static long echoedByteForByte(Path uds, int seed, CountDownLatch vanished, ExecutorService pool)
            throws Exception {
        byte[] data = new byte[STREAM_BYTES];
        new Random(seed).nextBytes(data);
        try (SocketChannel c = connectToGuest(uds)) {
            long start = System.nanoTime();
            Future<Void> writer = pool.submit(() -> {
                c.write(ByteBuffer.wrap(data, 0, STREAM_BYTES / 2));
                assertTrue(vanished.await(LinuxBoot.TIMEOUT.toSeconds(), TimeUnit.SECONDS));
                c.write(ByteBuffer.wrap(data, STREAM_BYTES / 2, STREAM_BYTES - STREAM_BYTES / 2));
                return null;
            });
            byte[] back = readFully(c, STREAM_BYTES);
            for (int i = 0; i < STREAM_BYTES; i++) {
                if (back[i] != data[i]) {
                    throw new AssertionError("client " + seed + ": byte " + i + " differs");
                }
            }
            writer.get();
            return System.nanoTime() - start;
        }
    }

    /** A client that sends 128 KiB, reads some of the echo, and goes away without a word. */
    private static String vanish(Path uds, CountDownLatch vanished) throws Exception {
        try (SocketChannel c = connectToGuest(uds)) {
            byte[] data = new byte[128 << 10];
            new Random(-1).nextBytes(data);
            c.write(ByteBuffer.wrap(data));
            byte[] back = readFully(c, 16 << 10);
            assertTrue(Arrays.equals(Arrays.copyOf(data, back.length), back), "the vanishing client's echo");
            return "closed after " + (data.length >> 10) + " KiB sent, " + (back.length >> 10) + " KiB read";
        } finally {
            vanished.countDown();
        }
    }

    /** The guest's connection to {@code <uds_path>_6000}: reads its payload to the end, checks it, echoes it. */
    private static int echoOneGuestStream(ServerSocketChannel listener) throws IOException {
        try (SocketChannel c = listener.accept()) {
            ByteBuffer in = ByteBuffer.allocate(GUEST_BYTES + 1);
            while (c.read(in) >= 0) {
                if (!in.hasRemaining()) {
                    throw new AssertionError("the guest sent more than " + GUEST_BYTES + " bytes");
                }
            }
            in.flip();
            int x = PATTERN_SEED;
            for (int i = 0; i < in.limit(); i++) {
                x ^= x << 13;
                x ^= x >>> 17;
                x ^= x << 5;
                if (in.get(i) != (byte) x) {
                    throw new AssertionError("guest payload byte " + i + " differs");
                }
            }
            int n = in.limit();
            c.write(in);
            return n;
        }
    }

    /**
     * The killed guest stream's host end: reads until the stream ends (end of stream or a reset); the guest's kernel
     * ends it when the process dies, and kvmj passes that on.
     */
    private static String readUntilTheEnd(ServerSocketChannel listener) throws IOException {
        try (SocketChannel c = listener.accept()) {
            ByteBuffer buf = ByteBuffer.allocate(64 << 10);
            long total = 0;
            try {
                for (int n; (n = c.read(buf.clear())) >= 0; ) {
                    total += n;
                }
                return "ended after " + (total >> 10) + " KiB (end of stream)";
            } catch (IOException e) {
                return "ended after " + (total >> 10) + " KiB (" + e.getMessage() + ")";
            }
        }
    }

    private static byte[] readFully(SocketChannel c, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (c.read(buf) < 0) {
                throw new EOFException("end of stream after " + buf.position() + " of " + n + " bytes");
            }
        }
        return buf.array();
    }
}
