// Several VMs in one JVM, for bench/memory.sh: builds N VMs through the Java API (VmBuilder.build), starts all of
// them so they run at once, and waits for every one to exit through isa-debug-exit (port 0xf4) with value 0. The
// guests' serial output is discarded. The memory is sampled from outside (/proc/PID), so stdout carries only a
// small protocol, one line each, flushed:
//   rss <before> <built>   VmRSS in KiB of this JVM before the first VM was built and after all N were built
//                          (none started yet)
//   ready                  all N started: from here on every VM runs (or has not yet been scheduled)
//   exit                   the first VM stopped: the "all of them run" window is over
//   done <ms>              all N exited with status 1 (guest value 0), milliseconds from the first start() on
// Any other outcome (a build failure, a VM that stopped otherwise, a timeout) is reported on stderr and the exit
// status is 1. Compile it and run it with the launcher's JVM options, from the project root:
//   javac -d DIR -cp "cli/target/kvmj-cli.jar:cli/target/lib/*" bench/ManyVms.java
//   java $(cat scripts/kvmj-java-options) -cp "DIR:cli/target/kvmj-cli.jar:cli/target/lib/*" ManyVms N KERNEL CMDLINE MEM_MIB
// (java ... bench/ManyVms.java N ... works too, but then javac runs inside the measured JVM and inflates its heap.)

import io.kvmj.vmm.Vm;
import io.kvmj.vmm.VmBuilder;
import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.VmSpec;
import io.kvmj.vmm.arch.x86.CpuTemplate;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

public class ManyVms {
    /** Every VM must have exited within this long after the first start(); N guests share the host's CPUs. */
    static final Duration TIMEOUT = Duration.ofMinutes(10);

    static long rssKib() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: ManyVms N KERNEL CMDLINE MEM_MIB");
            System.exit(2);
        }
        int n = Integer.parseInt(args[0]);
        Path kernel = Path.of(args[1]);
        String cmdline = args[2];
        long memBytes = Long.parseLong(args[3]) << 20;
        if (n < 1) {
            throw new IllegalArgumentException("N must be at least 1");
        }
        // Discards the guests' serial output, like `kvmj run ... >/dev/null` for the process rows.
        OutputStream discard = OutputStream.nullOutputStream();
        long rssBefore = rssKib();
        List<Vm> vms = new ArrayList<>(n);
        boolean ok = false;
        try {
            for (int i = 0; i < n; i++) {
                // As `kvmj run --kernel K --cmdline C --debug-exit --mem M` builds it: 1 vCPU, ACPI on, no devices.
                vms.add(VmBuilder.build(new VmSpec(kernel, null, cmdline, memBytes, 1, false, 0xf4, discard, null,
                        List.of(), true, CpuTemplate.NONE, false)));
            }
            long rssBuilt = rssKib();
            System.out.println("rss " + rssBefore + " " + rssBuilt);
            System.out.flush();

            VmExitReason[] reasons = new VmExitReason[n];
            CountDownLatch first = new CountDownLatch(1);
            CountDownLatch all = new CountDownLatch(n);
            long t0 = System.nanoTime();
            for (Vm vm : vms) {
                vm.start();
            }
            System.out.println("ready");
            System.out.flush();
            // One virtual thread per VM waits for its exit, so the first one to stop ends the sampling window.
            for (int i = 0; i < n; i++) {
                int k = i;
                Thread.ofVirtual().name("await-vm-" + i).start(() -> {
                    try {
                        reasons[k] = vms.get(k).awaitExit();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (RuntimeException e) {
                        reasons[k] = new VmExitReason.Failure("awaitExit threw " + e);
                    } finally {
                        first.countDown();
                        all.countDown();
                    }
                });
            }
            long deadline = t0 + TIMEOUT.toNanos();
            if (first.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                System.out.println("exit");
                System.out.flush();
            }
            if (!all.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                System.err.println("ManyVms: " + all.getCount() + " of " + n + " VMs still running after " + TIMEOUT);
                return;
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            int failed = 0;
            for (int i = 0; i < n; i++) {
                if (!(reasons[i] instanceof VmExitReason.DebugExit(int status)) || status != 1) {
                    System.err.println("ManyVms: VM " + i + " did not exit through debug-exit with value 0: " + reasons[i]);
                    failed++;
                }
            }
            if (failed == 0) {
                System.out.println("done " + ms);
                System.out.flush();
                ok = true;
            }
        } finally {
            for (Vm vm : vms) {
                vm.close();
            }
            if (!ok) {
                System.err.println("ManyVms: FAILED (" + n + " VMs, " + kernel + " \"" + cmdline + "\")");
            }
        }
        System.exit(ok ? 0 : 1);
    }
}
