package io.kvmj.it.linux;

import io.kvmj.it.Environment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The network and vsock benchmark (bench/net.sh runs it; its name keeps it out of the test suite): one Linux guest
 * with virtio-net on a TAP in a network namespace and virtio-vsock, booted on kvmj and on QEMU microvm in turn
 * ({@code kvmj.bench.runs} pairs, default 3), each boot measuring with {@code stream_echo} at both ends: TCP
 * throughput both ways, UDP datagrams per second both ways at 64-byte frames (18-byte payload) and 1500-byte
 * packets (1472-byte payload), and vsock stream throughput both ways (kvmj: Unix sockets of Firecracker's hybrid
 * model; QEMU: vhost-vsock, the host kernel's AF_VSOCK). Prints a Markdown table of medians and of the median
 * kvmj/QEMU ratio taken boot pair by boot pair.
 */
@Tag("linux")
class LinuxNetBench {
    static final String HOST = "10.0.2.1";
    static final String GUEST = "10.0.2.2";
    static final long GUEST_CID = 52;
    static final int TCP_BYTES = 16 << 20;
    static final int VSOCK_BYTES = 8 << 20;
    static final int DATAGRAMS = 20_000;
    static final int SMALL_PAYLOAD = 18;
    static final int LARGE_PAYLOAD = 1472;

    /** What is measured, with the port the receiving end listens on and how to read its result. */
    enum Figure {
        TCP_OUT("TCP guest to host, Mbit/s", 6001, "mbps"),
        TCP_IN("TCP host to guest, Mbit/s", 5001, "mbps"),
        UDP64_OUT("UDP 64-byte frames guest to host, received/s", 6002, "pps"),
        UDP1500_OUT("UDP 1500-byte packets guest to host, received/s", 6003, "pps"),
        UDP64_IN("UDP 64-byte frames host to guest, received/s", 5002, "pps"),
        UDP1500_IN("UDP 1500-byte packets host to guest, received/s", 5003, "pps"),
        VSOCK_OUT("vsock guest to host, Mbit/s", 6004, "mbps"),
        VSOCK_IN("vsock host to guest, Mbit/s", 5004, "mbps");

        final String label;
        final int port;
        final String unit;

        Figure(String label, int port, String unit) {
            this.label = label;
            this.port = port;
            this.unit = unit;
        }
    }

    @TempDir
    Path dir;

    /**
     * The guest: receivers for the host's traffic in the background, then its own traffic to the host's receivers,
     * then it waits for its receivers and prints each result as {@code FIGURE=result line}.
     */
    private static String job() {
        return """
                ip addr add %1$s/24 dev eth0 && ip link set eth0 up
                stream_echo sink tcp:%3$d > /r_TCP_IN &
                stream_echo count udp:%4$d > /r_UDP64_IN &
                stream_echo count udp:%5$d > /r_UDP1500_IN &
                stream_echo sink vsock:%6$d > /r_VSOCK_IN &
                until ping -c 1 -W 1 %2$s > /dev/null; do :; done
                echo "TCP_OUT_SENT=$(stream_echo source tcp:%2$s:%7$d %11$d)"
                echo "UDP64_OUT_SENT=$(stream_echo blast udp:%2$s:%8$d %12$d %14$d)"
                echo "UDP1500_OUT_SENT=$(stream_echo blast udp:%2$s:%9$d %13$d %14$d)"
                echo "VSOCK_OUT_SENT=$(stream_echo source vsock:2:%10$d %15$d)"
                wait
                for f in TCP_IN UDP64_IN UDP1500_IN VSOCK_IN; do echo "$f=$(cat /r_$f)"; done
                """.formatted(GUEST, HOST, Figure.TCP_IN.port, Figure.UDP64_IN.port, Figure.UDP1500_IN.port,
                Figure.VSOCK_IN.port, Figure.TCP_OUT.port, Figure.UDP64_OUT.port, Figure.UDP1500_OUT.port,
                Figure.VSOCK_OUT.port, TCP_BYTES, SMALL_PAYLOAD, LARGE_PAYLOAD, DATAGRAMS, VSOCK_BYTES);
    }

    @Test
    void kvmjAgainstQemu() throws Exception {
        Environment.requireLinuxUserSpace();
        DebianKernel kernel = DebianKernel.fetch();
        Path echo = Environment.linuxProgram("stream_echo");
        int runs = Integer.getInteger("kvmj.bench.runs", 3);
        Map<Vmm, List<Map<Figure, Double>>> results = new EnumMap<>(Vmm.class);
        for (int run = 0; run < runs; run++) {
            for (Vmm vmm : List.of(Vmm.KVMJ, Vmm.QEMU)) {
                results.computeIfAbsent(vmm, v -> new ArrayList<>()).add(oneBoot(vmm, kernel, echo, run));
            }
        }
        System.out.println(table(results, runs));
    }

    private Map<Figure, Double> oneBoot(Vmm vmm, DebianKernel kernel, Path echo, int run) throws Exception {
        Path uds = dir.resolve("v" + run + ".sock");
        try (NetNamespace ns = NetNamespace.create(HOST + "/24", 1500)) {
            LinuxMachine machine = LinuxMachine.of(kernel.bzImage(), Initramfs.forJob(kernel, List.of("virtio_mmio",
                            "virtio_net", "vsock", "vmw_vsock_virtio_transport_common", "vmw_vsock_virtio_transport"),
                            job()).withProgram(echo))
                    .withNet(new LinuxMachine.Net(ns.name(), ns.tap(), "06:00:0a:00:02:02", 0))
                    .withVsock(new LinuxMachine.Vsock(GUEST_CID, uds));
            boolean kvmj = vmm == Vmm.KVMJ;
            Map<Figure, Process> receivers = new LinkedHashMap<>();
            receivers.put(Figure.TCP_OUT, start(ns, echo, "sink", "tcp:" + Figure.TCP_OUT.port));
            receivers.put(Figure.UDP64_OUT, start(ns, echo, "count", "udp:" + Figure.UDP64_OUT.port));
            receivers.put(Figure.UDP1500_OUT, start(ns, echo, "count", "udp:" + Figure.UDP1500_OUT.port));
            receivers.put(Figure.VSOCK_OUT, start(ns, echo, "sink", kvmj ? "unix:" + uds + "_" + Figure.VSOCK_OUT.port
                    : "vsock:" + Figure.VSOCK_OUT.port));
            Thread senders = Thread.ofPlatform().start(() -> sendToGuest(ns, echo, uds, kvmj, receivers));
            try {
                LinuxRun boot = LinuxBoot.run(vmm, machine);
                boot.assertJobPassedAndPoweredOff();
                Map<Figure, Double> figures = new EnumMap<>(Figure.class);
                for (Figure f : Figure.values()) {
                    String line = f.name().endsWith("_IN") ? boot.value(f.name()) : output(receivers.get(f));
                    figures.put(f, number(line, f.unit, vmm + " " + f + ": " + line + "\n" + boot));
                }
                System.out.printf("kvmj-bench: %s run %d: %s%n", vmm, run + 1, figures);
                return figures;
            } finally {
                senders.interrupt();
                senders.join();
                receivers.values().forEach(Process::destroyForcibly);
            }
        }
    }

    /** The host's traffic to the guest, once the guest's own has reached the host's receivers. */
    private static void sendToGuest(NetNamespace ns, Path echo, Path uds, boolean kvmj, Map<Figure, Process> receivers) {
        try {
            for (Process p : receivers.values()) {
                p.waitFor();
            }
            untilItWorks(ns, echo, "source", "tcp:" + GUEST + ":" + Figure.TCP_IN.port, Integer.toString(TCP_BYTES));
            untilItWorks(ns, echo, "blast", "udp:" + GUEST + ":" + Figure.UDP64_IN.port,
                    Integer.toString(SMALL_PAYLOAD), Integer.toString(DATAGRAMS));
            untilItWorks(ns, echo, "blast", "udp:" + GUEST + ":" + Figure.UDP1500_IN.port,
                    Integer.toString(LARGE_PAYLOAD), Integer.toString(DATAGRAMS));
            untilItWorks(ns, echo, "source", kvmj ? "fc:" + uds + ":" + Figure.VSOCK_IN.port
                    : "vsock:" + GUEST_CID + ":" + Figure.VSOCK_IN.port, Integer.toString(VSOCK_BYTES));
        } catch (InterruptedException | IOException e) {
            // the boot ended (or failed) first: its figures say what is missing
        }
    }

    private static void untilItWorks(NetNamespace ns, Path echo, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(echo.toString()));
        command.addAll(Arrays.asList(args));
        while (start(ns, command).waitFor() != 0) {
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }

    private static Process start(NetNamespace ns, Path echo, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(echo.toString()));
        command.addAll(Arrays.asList(args));
        return start(ns, command);
    }

    private static Process start(NetNamespace ns, List<String> command) throws IOException {
        return new ProcessBuilder(ns.command(command.toArray(String[]::new))).redirectErrorStream(true).start();
    }

    private static String output(Process p) throws IOException, InterruptedException {
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "a host receiver did not end");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    /** The number after {@code unit=} in {@code line}. */
    private static double number(String line, String unit, String context) {
        Matcher m = Pattern.compile(unit + "=([0-9.]+)").matcher(line);
        assertTrue(m.find(), context);
        return Double.parseDouble(m.group(1));
    }

    private static String table(Map<Vmm, List<Map<Figure, Double>>> results, int runs) {
        StringBuilder t = new StringBuilder("""
                | figure (%d boots each, medians) | kvmj | QEMU | kvmj/QEMU (median of pairs; min-max) |
                |---|---|---|---|
                """.formatted(runs));
        for (Figure f : Figure.values()) {
            double[] k = results.get(Vmm.KVMJ).stream().mapToDouble(m -> m.get(f)).toArray();
            double[] q = results.get(Vmm.QEMU).stream().mapToDouble(m -> m.get(f)).toArray();
            double[] ratios = new double[runs];
            for (int i = 0; i < runs; i++) {
                ratios[i] = k[i] / q[i];
            }
            Arrays.sort(ratios);
            t.append("| %s | %.1f | %.1f | %.2f; %.2f-%.2f |%n".formatted(f.label, median(k), median(q),
                    median(ratios), ratios[0], ratios[runs - 1]));
        }
        return t.toString();
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
