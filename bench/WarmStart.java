// VM creation in a warm JVM: builds, starts and closes N hello.elf VMs (default 50) in one JVM through the
// Java API and reports, over the last N-10 (after warm-up), min / median / max of build time, start() to the
// first serial byte, and start() to exit; then the JVM's VmRSS. Then N first.elf VMs, whose first instructions
// write to isa-debug-exit: build() to awaitExit() returning bounds VM creation to the first guest instruction.
// Run from the project root:
//   java --enable-native-access=ALL-UNNAMED -cp "cli/target/kvmj-cli.jar:cli/target/lib/*" bench/WarmStart.java [N]

import io.kvmj.vmm.Vm;
import io.kvmj.vmm.VmBuilder;
import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.VmSpec;
import io.kvmj.vmm.arch.x86.CpuTemplate;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

public class WarmStart {
    static final int WARMUP = 10;

    /** Records System.nanoTime() of the first byte the guest writes to COM1; discards the output. */
    static final class FirstByte extends OutputStream {
        volatile long firstNanos;

        @Override
        public void write(int b) {
            if (firstNanos == 0) {
                firstNanos = System.nanoTime();
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (len > 0) {
                write(b[off]);
            }
        }
    }

    static long rssKib() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    static String row(String label, double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        return String.format("| %s | %.2f | %.2f | %.2f |", label, s[0], median, s[n - 1]);
    }

    /** System.nanoTime() before VmBuilder.build, after it, and when awaitExit returned. */
    record Timing(long start, long built, long exited) {
    }

    /** Builds, runs and closes one 64 MiB VM of {@code kernel}; it must exit through isa-debug-exit with 0. */
    static Timing bootOnce(Path kernel, OutputStream serial, String what) throws Exception {
        VmSpec spec = new VmSpec(kernel, null, "", 64L << 20, 1, false, 0xf4, serial, null, List.of(), false,
                CpuTemplate.NONE, false);
        long start = System.nanoTime();
        Vm vm = VmBuilder.build(spec);
        long built = System.nanoTime();
        VmExitReason reason;
        long exited;
        try {
            vm.start();
            reason = vm.awaitExit(Duration.ofSeconds(30));
            exited = System.nanoTime();
        } finally {
            vm.close();
        }
        if (!(reason instanceof VmExitReason.DebugExit(int status)) || status != 1) {
            throw new IllegalStateException(what + " did not exit through isa-debug-exit with 0: " + reason);
        }
        return new Timing(start, built, exited);
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        Path kernel = Path.of("integration-tests/target/guests/hello.elf");
        Path first = Path.of("integration-tests/target/guests/first.elf");
        if (n <= WARMUP) {
            throw new IllegalArgumentException("N must be more than " + WARMUP);
        }
        int m = n - WARMUP;
        double[] build = new double[m], firstByte = new double[m], total = new double[m];
        long rssBefore = rssKib();
        long rssAfterWarmup = 0;
        for (int i = 0; i < n; i++) {
            FirstByte out = new FirstByte();
            Timing t = bootOnce(kernel, out, "hello.elf VM " + i);
            if (out.firstNanos == 0) {
                throw new IllegalStateException("VM " + i + " wrote nothing to COM1");
            }
            if (i == WARMUP - 1) {
                rssAfterWarmup = rssKib();
            }
            if (i >= WARMUP) {
                build[i - WARMUP] = (t.built - t.start) / 1e6;
                firstByte[i - WARMUP] = (out.firstNanos - t.built) / 1e6;
                total[i - WARMUP] = (t.exited - t.built) / 1e6;
            }
        }
        long rssAfter = rssKib();
        double[] toFirstInstruction = new double[m];
        for (int i = 0; i < n; i++) {
            Timing t = bootOnce(first, OutputStream.nullOutputStream(), "first.elf VM " + i);
            if (i >= WARMUP) {
                toFirstInstruction[i - WARMUP] = (t.exited - t.start) / 1e6;
            }
        }
        System.out.printf("%nVM creation in one warm JVM: %d hello.elf VMs (64 MiB, 1 vCPU), statistics over the last %d"
                + " (first %d are warm-up); %s%n%n", n, m, WARMUP, Runtime.version());
        System.out.println("| per VM (ms) | min | median | max |");
        System.out.println("|---|---|---|---|");
        System.out.println(row("VmBuilder.build (the VMM's part)", build));
        System.out.println(row("start() to first serial byte", firstByte));
        System.out.println(row("start() to guest exit (awaitExit returned)", total));
        System.out.println(row("first.elf: build() to awaitExit() returned (creation to first instruction)",
                toFirstInstruction));
        System.out.printf("%nJVM VmRSS: %d KiB before the first VM, %d KiB after %d (warm-up), %d KiB after all %d"
                + " (growth over the last %d: %d KiB, %.1f KiB per VM).%n", rssBefore, rssAfterWarmup, WARMUP,
                rssAfter, n, m, rssAfter - rssAfterWarmup, (rssAfter - rssAfterWarmup) / (double) m);
        System.out.println("\"start() to first serial byte\" includes the hello guest's own boot code (page tables,"
                + " long mode, UART setup), emulated at CPL0 on this PVM host;");
        System.out.println("first.elf's first instructions write 0 to isa-debug-exit, so its row is VM creation to the"
                + " first guest instruction plus that one exit (vCPU thread start, KVM_RUN entry, the exit's dispatch).");
    }
}
