package io.kvmj.it;

import io.kvmj.vmm.Vm;
import io.kvmj.vmm.VmBuilder;
import io.kvmj.vmm.VmSpec;
import io.kvmj.vmm.arch.x86.CpuTemplate;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The pause test guest (guests/pause.c) in a VM: its counter in guest RAM (a tight loop, or LAPIC timer ticks
 * counted while it waits in HLT), at the address the guest printed.
 */
record PauseGuest(Vm vm, long address) {
    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** The whole address: serial output arrives a byte at a time, so a bare hex run may still be growing. */
    private static final Pattern COUNTER = Pattern.compile("pause: counter at 0x([0-9a-f]+) mode");
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /** A started VM running {@code guest} with {@code cpus} vCPUs, added to {@code owned}; serial output collects in {@code serial}. */
    static Vm boot(String guest, String cmdline, int cpus, ByteArrayOutputStream serial, List<Vm> owned) {
        Environment.requireKvm();
        VmSpec spec = new VmSpec(Environment.guest(guest), null, cmdline, 64 << 20, cpus, false, 0xf4, serial, null,
                List.of(), false, CpuTemplate.NONE, false);
        Vm vm = VmBuilder.build(spec);
        owned.add(vm);
        vm.start();
        return vm;
    }

    /** Boots the pause guest and waits until its counter has moved. */
    static PauseGuest boot(String cmdline, int cpus, List<Vm> owned) throws InterruptedException {
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        Vm vm = boot("pause", cmdline, cpus, serial, owned);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            Matcher m = COUNTER.matcher(serial.toString(StandardCharsets.UTF_8));
            if (m.find()) {
                PauseGuest c = new PauseGuest(vm, Long.parseUnsignedLong(m.group(1), 16));
                c.awaitAbove(0);
                return c;
            }
            if (System.nanoTime() > deadline) {
                fail("the guest did not start: " + serial);
            }
            Thread.sleep(5);
        }
    }

    /** The counter, read from guest memory while the guest may be writing it. */
    long read() {
        return (long) LONG.getVolatile(vm.memory().slice(address, 8), 0L);
    }

    /** Waits until the counter is above {@code value}; returns what it read. */
    long awaitAbove(long value) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        long now;
        while ((now = read()) <= value) {
            if (System.nanoTime() > deadline) {
                fail("the counter stayed at " + now + " for " + DEADLINE + " (waiting for more than " + value + ")");
            }
            Thread.sleep(5);
        }
        return now;
    }
}
