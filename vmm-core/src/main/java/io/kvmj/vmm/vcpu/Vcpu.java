package io.kvmj.vmm.vcpu;

import io.kvmj.kvm.KvmException;
import io.kvmj.kvm.VcpuExit;
import io.kvmj.kvm.VcpuFd;
import io.kvmj.sys.ThreadKicker;
import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.bus.Bus;
import io.kvmj.vmm.devices.VmStopper;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One vCPU on its own platform thread: runs KVM_RUN and hands each exit to the port-I/O or MMIO bus. Paused and
 * stopped from other threads by a kick: {@code kvm_run.immediate_exit} plus a signal, so no request is lost
 * whether the thread is inside the guest or about to enter it.
 */
public final class Vcpu {
    /** Lifecycle: CREATED -> RUNNING <-> PAUSED -> STOPPED. */
    public enum State { CREATED, RUNNING, PAUSED, STOPPED }

    private static final Logger LOG = Logger.getLogger(Vcpu.class.getName());

    private final VcpuFd fd;
    private final Bus pio;
    private final Bus mmio;
    private final VmStopper stopper;
    private volatile boolean stopRequested;
    private volatile boolean pauseRequested;
    private State state = State.CREATED;
    private int tid; // the vCPU thread's kernel id, to kick it out of KVM_RUN
    private boolean threadAlive;
    private Thread thread;

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
                waitWhilePaused();
                continue;
            }
            VcpuExit exit = fd.run();
            if (exit instanceof VcpuExit.Interrupted) {
                fd.setImmediateExit(false);
                continue;
            }
            VmExitReason end = handle(exit);
            if (end != null) {
                stopper.requestStop(end);
                return;
            }
        }
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
                return new VmExitReason.TripleFault(location());
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

    private synchronized void waitWhilePaused() {
        state = State.PAUSED;
        notifyAll();
        while (pauseRequested && !stopRequested) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        state = State.RUNNING;
        notifyAll();
    }

    /** Pauses the vCPU and waits until it is out of the guest. */
    public synchronized void pause() throws InterruptedException {
        pauseRequested = true;
        kick();
        while (state == State.RUNNING) {
            wait();
        }
    }

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
        return t == null || t.join(java.time.Duration.ofMillis(millis));
    }
}
