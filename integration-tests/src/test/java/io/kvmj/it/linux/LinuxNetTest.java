package io.kvmj.it.linux;

import io.kvmj.it.Environment;
import io.kvmj.it.Processes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * virtio-net as a stock Linux uses it (its own virtio_net driver), on a TAP in a network namespace of the test's
 * own (addresses 10.0.2.1 host, 10.0.2.2 guest; nothing leaves the namespace). The guest brings eth0 up with the
 * MAC from the config, pings the host, echoes one TCP stream from the host and sends one of its own to the host's
 * echo server; the host pings the guest. Every stream is {@value #STREAM_BYTES} bytes each way, checked byte for
 * byte by {@code stream_echo} (guests/linux) at both ends, TCP checksums included (with offloads on, the
 * checksums of the guest's frames are filled in by the host kernel behind the TAP, which drops a bad one). Two
 * set-ups: the driver's offloads on (checksum, TSO: frames up to 64 KiB) at MTU 1500, and offloads off
 * ({@code csum=0 gso=0}) with small frames (MTU 576); the MTU comes from the device's advice (the config's
 * {@code mtu}, QEMU's {@code host_mtu}), which the guest's driver takes as its interface's MTU. QEMU microvm with the same TAP is the reference.
 */
@Tag("linux")
class LinuxNetTest {
    static final String HOST = "10.0.2.1";
    static final String GUEST = "10.0.2.2";
    static final String GUEST_MAC = "06:00:0a:00:02:02";
    static final int GUEST_PORT = 5000;
    static final int HOST_PORT = 6000;
    static final int STREAM_BYTES = 4 << 20;
    static final Duration HOST_PEER_TIMEOUT = Duration.ofMinutes(3);

    static Stream<Arguments> setups() {
        return Stream.of(Vmm.KVMJ, Vmm.QEMU).flatMap(vmm -> Stream.of(
                Arguments.of(vmm, true, 1500),
                Arguments.of(vmm, false, 576)));
    }

    private static String job(boolean offloads) {
        // Loaded by /init with the driver's defaults (offloads on); loaded again without them when asked.
        String reload = offloads ? "" : "rmmod virtio_net && modprobe virtio_net csum=0 gso=0 || echo reload=failed\n";
        return reload + """
                echo "features=$(cat /sys/class/net/eth0/device/features)"
                ip addr add %s/24 dev eth0
                ip link set eth0 up
                echo "guest_mac=$(cat /sys/class/net/eth0/address)"
                echo "guest_mtu=$(cat /sys/class/net/eth0/mtu)"
                if ping -c 3 -W 10 %s > /dev/null; then echo ping=ok; else echo ping=failed; fi
                stream_echo serve tcp:%d 1 &
                server=$!
                stream_echo connect tcp:%s:%d %d
                connected=$?
                wait $server
                served=$?
                echo "exit_statuses=$connected $served"
                [ $connected -eq 0 ] && [ $served -eq 0 ]
                """.formatted(GUEST, HOST, GUEST_PORT, HOST, HOST_PORT, STREAM_BYTES);
    }

    @ParameterizedTest(name = "{0}, offloads {1}, MTU {2}")
    @MethodSource("setups")
    void pingAndTcpBothWaysThroughATap(Vmm vmm, boolean offloads, int mtu) throws Exception {
        Environment.requireLinuxUserSpace();
        DebianKernel kernel = DebianKernel.fetch();
        Path echo = Environment.linuxProgram("stream_echo");
        ExecutorService pool = Executors.newCachedThreadPool();
        try (NetNamespace ns = NetNamespace.create(HOST + "/24", mtu)) {
            LinuxMachine machine = LinuxMachine.of(kernel.bzImage(), Initramfs.forJob(kernel,
                            List.of("virtio_mmio", "virtio_net"), job(offloads)).withProgram(echo))
                    .withNet(new LinuxMachine.Net(ns.name(), ns.tap(), GUEST_MAC, mtu));
            Process hostServer = new ProcessBuilder(ns.command(echo.toString(), "serve", "tcp:" + HOST_PORT, "1"))
                    .redirectErrorStream(true).start();
            try {
                Future<String> served = pool.submit(() -> new String(hostServer.getInputStream().readAllBytes(),
                        StandardCharsets.UTF_8));
                Future<String> hostSide = pool.submit(() -> pingThenStream(ns, echo));

                LinuxRun run = LinuxBoot.run(vmm, machine);

                run.assertJobPassedAndPoweredOff();
                assertEquals(GUEST_MAC, run.value("guest_mac"), run.toString());
                assertEquals(Integer.toString(mtu), run.value("guest_mtu"), "the device's MTU advice\n" + run);
                assertEquals("ok", run.value("ping"), "the guest pings the host\n" + run);
                assertEquals("ok sent=" + STREAM_BYTES + " received=" + STREAM_BYTES, run.value("connect"),
                        run.toString());
                assertEquals("1", run.value("served"), run.toString());
                assertTrue(run.jobOutput().contains("stream=" + STREAM_BYTES + " eof"), run.toString());
                assertEquals("host pinged the guest; connect=ok sent=" + STREAM_BYTES + " received=" + STREAM_BYTES,
                        hostSide.get(10, TimeUnit.SECONDS));
                assertTrue(hostServer.waitFor(10, TimeUnit.SECONDS), "the host's server ends after its one stream");
                String hostOutput = served.get(10, TimeUnit.SECONDS);
                assertTrue(hostOutput.contains("stream=" + STREAM_BYTES + " eof"), hostOutput);
            } finally {
                hostServer.destroyForcibly();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The host's side: pings the guest until it answers (with busybox: iputils may be missing) (it is booting meanwhile), then has a stream echoed by the
     * guest's server, again until it listens. Returns what happened, for the test to compare.
     */
    private static String pingThenStream(NetNamespace ns, Path echo) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + HOST_PEER_TIMEOUT.toNanos();
        boolean pinged = false;
        while (!pinged && System.nanoTime() < deadline) {
            pinged = Processes.capture(new ProcessBuilder(ns.command(Initramfs.BUSYBOX.toString(), "ping", "-c", "1",
                    "-W", "1", GUEST)), Duration.ofSeconds(10)).status() == 0;
        }
        if (!pinged) {
            return "the guest never answered a ping";
        }
        String last = "";
        while (System.nanoTime() < deadline) {
            Processes.Output o = Processes.capture(new ProcessBuilder(ns.command(echo.toString(), "connect",
                    "tcp:" + GUEST + ":" + GUEST_PORT, Integer.toString(STREAM_BYTES))), HOST_PEER_TIMEOUT);
            last = new String(o.stdout(), StandardCharsets.UTF_8).strip();
            if (o.status() == 0) {
                return "host pinged the guest; " + last;
            }
            if (!last.startsWith("connect=failed (connect: ")) {
                return "host pinged the guest; the stream failed after connecting: " + last;
            }
            Thread.sleep(250);
        }
        return "host pinged the guest; the guest never listened: " + last;
    }
}
