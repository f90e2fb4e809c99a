package io.kvmj.vmm.vcpu;

import io.kvmj.kvm.KvmException;
import io.kvmj.kvm.SpecialRegisters;
import io.kvmj.kvm.VcpuExit;
import io.kvmj.kvm.VcpuFd;
import io.kvmj.sys.ThreadKicker;
import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.bus.Bus;
import io.kvmj.vmm.devices.VmStopper;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One vCPU on its own platform thread: runs KVM_RUN and hands each exit to the port-I/O or MMIO bus. Paused and
 * stopped from other threads by a kick: {@code kvm_run.immediate_exit} plus a signal, so no request is lost
 * whether the thread is inside the guest, asleep in KVM (HLT with the in-kernel local APIC), or about to enter it.
 * A paused vCPU is out of KVM_RUN with its last port or MMIO access completed, so its registers are consistent.
 */
public final class Vcpu {
    /** Lifecycle: CREATED -> RUNNING <-> PAUSED -> STOPPED. */
    public enum State { CREATED, RUNNING, PAUSED, STOPPED }

    private static final Logger LOG = Logger.getLogger(Vcpu.class.getName());
    /** CS:rip after a reset (SDM vol. 3, 10.1.4: CS base 0xffff0000, rip 0xfff0). */
    private static final long RESET_CS_BASE = 0xffff0000L;
    private static final long RESET_RIP = 0xfff0;

    private final VcpuFd fd;
    private final Bus pio;
    private final Bus mmio;
    private final VmStopper stopper;
    private volatile boolean stopRequested;
    private volatile boolean pauseRequested;
    // vCPU thread only: the last exit was a port or MMIO access, which KVM completes on the next KVM_RUN.
    private boolean accessPending;
    private State state = State.CREATED;
    private int tid; // the vCPU thread's kernel id, to kick it out of KVM_RUN
    private boolean threadAlive;
    private Thread thread;
    private Runnable pausedWork; // guarded by this: handed to the paused vCPU thread by whilePaused

    public Vcpu(VcpuFd fd, Bus pio, Bus mmio, VmStopper stopper) {
        this.fd = fd;
        this.pio = pio;
        this.mmio = mmio;
        this.stopper = stopper;
    }

    public int id() {
        return fd.id();
    }

    public synchronized State state() {
        return state;
    }

    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("vCPU " + id() + " already started");
        }
        thread = Thread.ofPlatform().name("vcpu-" + id()).daemon(true).start(this::loop);
    }

    private void loop() {
        synchronized (this) {
            tid = ThreadKicker.prepareCurrentThread();
            threadAlive = true;
            state = State.RUNNING;
            notifyAll();
        }
        try {
            runUntilStopped();
        } catch (KvmException e) {
            stopper.requestStop(new VmExitReason.Failure(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "vCPU " + id() + " failed", e);
            stopper.requestStop(new VmExitReason.Failure("vCPU " + id() + ": " + e));
        } finally {
            synchronized (this) {
                threadAlive = false;
                state = State.STOPPED;
                notifyAll();
            }
        }
    }

    private void runUntilStopped() {
        while (!stopRequested) {
            if (pauseRequested) {
                if (!completePendingAccess()) {
                    return;
                }
                waitWhilePaused();
            } else if (!service(fd.run())) {
                return;
            }
        }
    }

    /** Handles what one KVM_RUN returned; false once the VM must stop (asked of the stopper here). */
    private boolean service(VcpuExit exit) {
        accessPending = exit instanceof VcpuExit.PortIo || exit instanceof VcpuExit.Mmio;
        if (exit instanceof VcpuExit.Interrupted) {
            // A kick: cleared before the loop reads the requests again (see VcpuFd.setImmediateExit).
            fd.setImmediateExit(false);
            return true;
        }
        VmExitReason end = handle(exit);
        if (end != null) {
            stopper.requestStop(end);
            return false;
        }
        return true;
    }

    /**
     * KVM finishes a port or MMIO access (stores a read's value in the register, moves rip past the instruction)
     * only when KVM_RUN is entered again; until then the vCPU is half way through an instruction. Entering with
     * immediate_exit set completes it and returns EINTR before the guest runs another instruction. An access KVM
     * splits into parts (string port I/O, MMIO across 8 bytes) exits again for the next part, serviced likewise.
     * Returns false if the VM must stop.
     */
    private boolean completePendingAccess() {
        while (accessPending) {
            fd.setImmediateExit(true);
            if (!service(fd.run())) {
                return false;
            }
        }
        return true;
    }

    /** Services one exit; returns why the VM must stop, or null to keep running. */
    private VmExitReason handle(VcpuExit exit) {
        switch (exit) {
            case VcpuExit.IoOut out -> portOut(out);
            case VcpuExit.IoIn in -> portIn(in);
            case VcpuExit.MmioWrite w -> mmioWrite(w);
            case VcpuExit.MmioRead r -> mmioRead(r);
            case VcpuExit.Hlt h -> {
                return new VmExitReason.PowerOff("vCPU " + id() + " halted");
            }
            case VcpuExit.Shutdown s -> {
                return new VmExitReason.TripleFault(shutdownLocation());
            }
            case VcpuExit.SystemEvent e -> {
                return switch (e.type()) {
                    case VcpuExit.SystemEvent.CRASH -> failure("guest crashed (system event)");
                    case VcpuExit.SystemEvent.RESET -> new VmExitReason.Reset("system event reset");
                    default -> new VmExitReason.PowerOff("system event " + e.type());
                };
            }
            case VcpuExit.InternalError e -> {
                return failure(e.suberror() == VcpuExit.InternalError.EMULATION_FAILURE
                        ? "KVM could not emulate an instruction (internal error, suberror 1)"
                        : "KVM internal error, suberror " + e.suberror());
            }
            case VcpuExit.FailEntry e -> {
                return failure(String.format("VM entry failed, hardware reason 0x%x", e.hardwareReason()));
            }
            case VcpuExit.Unsupported u -> {
                return failure("unhandled KVM exit reason " + u.reason());
            }
            case VcpuExit.Interrupted i -> {
                // handled by the caller
            }
        }
        return null;
    }

    // One method per access kind, not inlined into handle(): every kvm_run field read expands into dozens of
    // force-inlined JDK methods, and C1 compiling them all in one method took an 8.5 MiB arena, kept afterwards.
    private void portOut(VcpuExit.IoOut out) {
        for (int i = 0; i < out.count(); i++) {
            dispatch(pio, out.port(), out.size(), out.data(i), true);
        }
    }

    private void portIn(VcpuExit.IoIn in) {
        for (int i = 0; i < in.count(); i++) {
            in.setData(i, dispatch(pio, in.port(), in.size(), 0, false));
        }
    }

    private void mmioWrite(VcpuExit.MmioWrite w) {
        dispatch(mmio, w.address(), w.length(), w.data(), true);
    }

    private void mmioRead(VcpuExit.MmioRead r) {
        r.setData(dispatch(mmio, r.address(), r.length(), 0, false));
    }

    /** A device that throws on a guest access is logged and the access dropped: the VM keeps running. */
    private long dispatch(Bus bus, long address, int size, long value, boolean write) {
        try {
            if (write) {
                bus.write(address, size, value);
                return 0;
            }
            return bus.read(address, size);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, String.format("device at 0x%x failed on a %d-byte %s by vCPU %d: %s", address,
                    size, write ? "write" : "read", id(), e));
            return write ? 0 : -1L;
        }
    }

    private VmExitReason failure(String what) {
        return new VmExitReason.Failure(location() + ": " + what);
    }

    /** "vCPU N at rip 0x...", without the rip if KVM cannot give it. */
    private String location() {
        try {
            return String.format("vCPU %d at rip 0x%x", id(), fd.registers().rip());
        } catch (KvmException e) {
            return "vCPU " + id();
        }
    }

    /**
     * Like {@link #location()} for a shutdown. KVM on AMD (SVM) resets the vCPU when it intercepts a shutdown (the
     * VMCB is undefined after it), so there CS:rip is the reset vector's and says nothing of where the guest faulted.
     */
    private String shutdownLocation() {
        try {
            boolean atResetVector = fd.registers().rip() == RESET_RIP
                    && fd.specialRegisters().segment(SpecialRegisters.Seg.CS).base() == RESET_CS_BASE;
            if (atResetVector) {
                return "vCPU " + id() + "; KVM reset its registers at the shutdown, as it does on AMD hosts, so where"
                        + " it faulted is unknown";
            }
        } catch (KvmException e) {
            // location() says what it can
        }
        return location();
    }

    /**
     * Parks the thread while the pause lasts; work handed over by {@link #whilePaused} runs here, on this thread,
     * outside the monitor (it makes ioctls, which a {@link #state()} caller must not wait for).
     */
    private void waitWhilePaused() {
        notifyKvmclock();
        while (true) {
            Runnable work;
            synchronized (this) {
                state = State.PAUSED;
                notifyAll();
                while (pauseRequested && !stopRequested && pausedWork == null) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (!pauseRequested || stopRequested) {
                    state = State.RUNNING;
                    notifyAll();
                    return;
                }
                work = pausedWork;
                pausedWork = null;
            }
            work.run();
        }
    }

    /**
     * Runs {@code work} on this vCPU's own thread while it is paused and returns its result: how a snapshot reads
     * and a restore writes the vCPU's state (KVM expects a vCPU's ioctls from the thread that runs it). The vCPU
     * stays paused.
     *
     * @param timeout how long the work may take
     * @throws IllegalStateException the vCPU is not paused (not started, running, or stopped)
     * @throws TimeoutException      the work did not finish within {@code timeout} (it still runs to its end)
     * @throws InterruptedException  interrupted while waiting
     * @throws RuntimeException      what {@code work} threw, as it threw it
     */
    public <T> T whilePaused(Function<VcpuFd, T> work, Duration timeout) throws TimeoutException,
            InterruptedException {
        CompletableFuture<T> result = new CompletableFuture<>();
        synchronized (this) {
            if (state != State.PAUSED || !pauseRequested || pausedWork != null) {
                throw new IllegalStateException("vCPU " + id() + " is " + state + ", not paused and idle");
            }
            pausedWork = () -> {
                try {
                    result.complete(work.apply(fd));
                } catch (RuntimeException | Error e) {
                    result.completeExceptionally(e);
                }
            };
            notifyAll();
        }
        try {
            return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException("vCPU " + id() + ": work while paused did not finish within "
                    + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw (Error) e.getCause();
        }
    }

    /** Tells the guest's kvmclock about the pause, so its watchdogs do not take the lost time for a hang. */
    private void notifyKvmclock() {
        try {
            fd.notifyKvmclockPaused(); // false: the guest uses no kvmclock, nothing to tell
        } catch (KvmException e) {
            // Only a hint to the guest: the pause itself is sound, so it goes on.
            LOG.warning("vCPU " + id() + ": " + e.getMessage());
        }
    }

    /**
     * Asks the vCPU to pause and kicks it out of the guest; {@link #awaitPaused} waits until it has paused.
     * A vCPU not started yet pauses as soon as it starts. Asking again while paused changes nothing.
     */
    public synchronized void requestPause() {
        pauseRequested = true;
        kick();
    }

    /**
     * Waits until the vCPU asked to pause is paused (out of KVM_RUN, its last port or MMIO access completed, the
     * guest's kvmclock told) or has stopped. Returns at once for a vCPU not started.
     *
     * @param timeout how long to wait
     * @throws TimeoutException     the vCPU is still running after {@code timeout}; the message names it. The pause
     *                              stays requested: {@link #resume} withdraws it
     * @throws InterruptedException interrupted while waiting
     */
    public synchronized void awaitPaused(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (thread != null && state != State.PAUSED && state != State.STOPPED) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("vCPU " + id() + " did not pause within " + timeout.toMillis()
                        + " ms (still in KVM_RUN or servicing an exit)");
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Lets a paused vCPU (or one asked to pause) run on; no-op otherwise. */
    public synchronized void resume() {
        pauseRequested = false;
        notifyAll();
    }

    /** Asks the vCPU to stop; {@link #join} waits for it. */
    public synchronized void stop() {
        stopRequested = true;
        kick();
        notifyAll();
    }

    private void kick() {
        fd.setImmediateExit(true);
        if (threadAlive) {
            ThreadKicker.kick(tid);
        }
    }

    public boolean join(long millis) throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        return t == null || t.join(Duration.ofMillis(millis));
    }
}
