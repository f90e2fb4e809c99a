package io.kvmj.vmm;

import io.kvmj.kvm.Kvm;
import io.kvmj.kvm.KvmException;
import io.kvmj.kvm.KvmUnavailableException;
import io.kvmj.kvm.VcpuFd;
import io.kvmj.kvm.VmFd;
import io.kvmj.vmm.arch.x86.SnapshotMsrs;
import io.kvmj.vmm.devices.DeviceManager;
import io.kvmj.vmm.devices.legacy.I8042;
import io.kvmj.vmm.memory.DirtyPages;
import io.kvmj.vmm.memory.MmapGuestMemory;
import io.kvmj.vmm.snapshot.DeviceState;
import io.kvmj.vmm.snapshot.DeviceStates;
import io.kvmj.vmm.snapshot.MachineDescription;
import io.kvmj.vmm.snapshot.SnapshotException;
import io.kvmj.vmm.snapshot.SnapshotFile;
import io.kvmj.vmm.snapshot.SnapshotState;
import io.kvmj.vmm.snapshot.VcpuState;
import io.kvmj.vmm.snapshot.VmState;
import io.kvmj.vmm.vcpu.Vcpu;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A built VM: its KVM fds, guest memory, devices and vCPUs. The first stop request wins and becomes the exit
 * reason; {@link #close()} releases every fd and mapping, in dependency order. Between {@link #pause} and
 * {@link #resume} neither its vCPUs nor its device thread run; other VMs in the same JVM are not touched.
 */
public final class Vm implements AutoCloseable {
    /** Where a VM is in its life: built, running, paused by the host, or ended (for whatever reason). */
    public enum State { CREATED, RUNNING, PAUSED, STOPPED }

    private static final Logger LOG = Logger.getLogger(Vm.class.getName());
    private static final long JOIN_MILLIS = 5000;
    /** How long one vCPU may take to save or restore its state (ioctls only; generous for nested KVM). */
    private static final Duration VCPU_STATE_TIMEOUT = Duration.ofSeconds(30);

    private final Kvm kvm;
    private final VmFd vmFd;
    private final MmapGuestMemory memory;
    private final MachineDescription machine;
    private final DeviceManager devices;
    private final I8042 i8042;
    private final List<VcpuFd> vcpuFds;
    private final List<Vcpu> vcpus;
    private final List<Runnable> startHooks;
    private final CompletableFuture<VmExitReason> exit = new CompletableFuture<>();
    // Serializes start, pause and resume; not the monitor close() takes, so a slow pause never holds up a close.
    private final Object control = new Object();
    private boolean started; // guarded by control
    private boolean paused; // guarded by control
    private boolean closed;

    Vm(Kvm kvm, VmFd vmFd, MmapGuestMemory memory, MachineDescription machine, DeviceManager devices, I8042 i8042,
       List<VcpuFd> vcpuFds, List<Vcpu> vcpus, List<Runnable> startHooks) {
        this.kvm = kvm;
        this.machine = machine;
        this.vmFd = vmFd;
        this.memory = memory;
        this.devices = devices;
        this.i8042 = i8042;
        this.vcpuFds = vcpuFds;
        this.vcpus = vcpus;
        this.startHooks = List.copyOf(startHooks);
    }

    public MmapGuestMemory memory() {
        return memory;
    }

    /**
     * The guest RAM pages written since the previous call (or since the VM was built), read and cleared from
     * KVM's dirty page log. Needs {@link VmSpec#trackDirtyPages()}; without it KVM keeps no log and this throws
     * {@link IllegalStateException}.
     */
    public DirtyPages dirtyPages() {
        if (!machine.trackDirtyPages()) {
            throw new IllegalStateException("dirty pages are not tracked: build the VM with trackDirtyPages");
        }
        return memory.dirtyPages(vmFd);
    }

    public List<Vcpu> vcpus() {
        return vcpus;
    }

    public void start() {
        synchronized (control) {
            started = true;
            vcpus.forEach(Vcpu::start);
            startHooks.forEach(Runnable::run);
        }
    }

    /** The VM's state now; STOPPED as soon as a stop is requested, even before its vCPU threads have ended. */
    public State state() {
        synchronized (control) {
            if (exit.isDone()) {
                return State.STOPPED;
            }
            return !started ? State.CREATED : paused ? State.PAUSED : State.RUNNING;
        }
    }

    /** Ends the VM with {@code reason} unless it already ended; safe from any thread, vCPU threads included. */
    public void requestStop(VmExitReason reason) {
        if (exit.complete(reason)) {
            LOG.fine(() -> "stopping: " + reason);
            vcpus.forEach(Vcpu::stop);
        }
    }

    /** Waits for the VM to stop and its vCPU threads to leave the guest; returns why it stopped. */
    public VmExitReason awaitExit() throws InterruptedException {
        VmExitReason reason;
        try {
            reason = exit.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        joinVcpus();
        return reason;
    }

    /** Like {@link #awaitExit()}, but gives up after {@code timeout}, leaving the VM running. */
    public VmExitReason awaitExit(Duration timeout) throws InterruptedException, TimeoutException {
        try {
            exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        return awaitExit();
    }

    private void joinVcpus() throws InterruptedException {
        for (Vcpu v : vcpus) {
            if (!v.join(JOIN_MILLIS)) {
                LOG.warning("vCPU " + v.id() + " did not stop within " + JOIN_MILLIS + " ms");
            }
        }
    }

    /**
     * Pauses the VM: every vCPU leaves the guest (its last port or MMIO access completed, the guest's kvmclock
     * told of the pause), then the device thread parks between handlers, so nothing runs guest code or writes
     * guest memory until {@link #resume}. vCPUs are all asked at once and waited for in turn, within one
     * deadline. Does nothing if the VM is already paused. A stop request still ends a paused VM.
     *
     * @param timeout how long the whole pause may take
     * @throws TimeoutException      a vCPU did not leave KVM_RUN (the message names it) or a device handler did not
     *                               return within {@code timeout}; the VM is resumed and runs on as before
     * @throws InterruptedException  interrupted while waiting; the VM is resumed, as on a timeout
     * @throws IllegalStateException the VM was never started, or has stopped
     */
    public void pause(Duration timeout) throws InterruptedException, TimeoutException {
        synchronized (control) {
            State s = state();
            if (s == State.PAUSED) {
                return;
            }
            if (s != State.RUNNING) {
                throw new IllegalStateException("cannot pause a VM that is " + s);
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                // vCPUs first: while they run they can ring doorbells, which the device thread must still serve.
                vcpus.forEach(Vcpu::requestPause);
                for (Vcpu v : vcpus) {
                    v.awaitPaused(Duration.ofNanos(deadline - System.nanoTime()));
                }
                devices.pause(Duration.ofNanos(deadline - System.nanoTime()));
            } catch (TimeoutException | InterruptedException | RuntimeException e) {
                resumeAll();
                throw e;
            }
            paused = true;
        }
    }

    /**
     * Lets a paused VM run on: the device thread first, so that it serves what the vCPUs do from their first
     * instruction, then every vCPU. Does nothing if the VM is running.
     *
     * @throws IllegalStateException the VM was never started, or has stopped (a stop request ends a paused VM)
     */
    public void resume() {
        synchronized (control) {
            State s = state();
            if (s == State.RUNNING) {
                return;
            }
            if (s != State.PAUSED) {
                throw new IllegalStateException("cannot resume a VM that is " + s);
            }
            resumeAll();
            paused = false;
        }
    }

    /**
     * Writes a full snapshot of this paused VM: guest RAM as is to {@code memFile}, and to {@code stateFile} the
     * machine's description and the state of the VM (irqchips, PIT, kvmclock), of every vCPU (read on its own
     * thread) and of every device (docs/snapshot-format.md). The VM stays paused; {@link VmBuilder#restore} builds
     * a VM from the two files. Both files are replaced.
     *
     * @throws IllegalStateException the VM is not paused
     * @throws SnapshotException     a device does not support snapshots (the message names it; nothing is
     *                               written then), KVM cannot give a piece of state, or a file cannot be written
     * @throws InterruptedException  interrupted while a vCPU read its state
     */
    public void snapshot(Path stateFile, Path memFile) throws SnapshotException, InterruptedException {
        synchronized (control) {
            State s = state();
            if (s != State.PAUSED) {
                throw new IllegalStateException("cannot snapshot a VM that is " + s + ": pause it first");
            }
            List<DeviceState> deviceStates = DeviceStates.save(devices.attached());
            try {
                List<Integer> msrs = SnapshotMsrs.toSave(kvm.msrIndexList());
                List<VcpuState> vcpuStates = new ArrayList<>(vcpus.size());
                for (Vcpu v : vcpus) {
                    vcpuStates.add(v.whilePaused(fd -> VcpuState.capture(fd, msrs), VCPU_STATE_TIMEOUT));
                }
                VmState vmState = VmState.capture(vmFd);
                memory.writeTo(memFile);
                SnapshotFile.write(stateFile, new SnapshotState(machine, vmState, vcpuStates, deviceStates));
            } catch (KvmException | KvmUnavailableException | TimeoutException e) {
                throw new SnapshotException("cannot snapshot this VM: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new SnapshotException("cannot write memory file " + memFile + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Puts a snapshot's state into this VM, just built for it and never started, and leaves it paused: vCPU
     * threads are started into the pause, each vCPU's state is restored on its own thread, then the VM's
     * (irqchips, PIT, kvmclock), then the devices' (Firecracker's order), and only then do the device thread and
     * the console input start, into the pause as well. {@link #resume} runs the guest on.
     *
     * @throws SnapshotException the state does not fit (the message says which part); the VM is then unusable
     *                           and must be closed
     */
    void restore(SnapshotState saved) throws SnapshotException, InterruptedException {
        synchronized (control) {
            if (started) {
                throw new IllegalStateException("a snapshot is restored into a VM that never ran");
            }
            started = true;
            paused = true;
            try {
                devices.pause(VCPU_STATE_TIMEOUT); // before the device thread starts: it starts parked
                vcpus.forEach(Vcpu::requestPause);
                vcpus.forEach(Vcpu::start);
                for (int i = 0; i < vcpus.size(); i++) {
                    Vcpu v = vcpus.get(i);
                    VcpuState state = saved.vcpus().get(i);
                    v.awaitPaused(VCPU_STATE_TIMEOUT);
                    v.whilePaused(fd -> {
                        state.restoreTo(fd);
                        fd.notifyKvmclockPaused(); // the guest's watchdogs are not to count the gap as a hang
                        return null;
                    }, VCPU_STATE_TIMEOUT);
                }
                saved.vm().restoreTo(vmFd);
            } catch (KvmException | KvmUnavailableException | IllegalArgumentException | TimeoutException e) {
                throw new SnapshotException("cannot restore the snapshot: " + e.getMessage(), e);
            }
            DeviceStates.restore(devices.attached(), saved.devices());
            startHooks.forEach(Runnable::run);
        }
    }

    /**
     * Types Ctrl+Alt+Del on the VM's i8042 keyboard (Firecracker's {@code SendCtrlAltDel}); what follows is the
     * guest's choice: Linux, with its i8042 driver bound, reboots.
     *
     * @throws IllegalStateException the VM is not running (not started, paused: nothing may change a paused VM,
     *                               or stopped), or the i8042 still holds keys the guest has not read
     */
    public void sendCtrlAltDel() {
        synchronized (control) {
            State s = state();
            if (s != State.RUNNING) {
                throw new IllegalStateException("cannot send Ctrl+Alt+Del to a VM that is " + s);
            }
            i8042.sendCtrlAltDel();
        }
    }

    private void resumeAll() {
        devices.resume();
        vcpus.forEach(Vcpu::resume);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        requestStop(new VmExitReason.Stopped("VM closed"));
        try {
            joinVcpus();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Vcpu v : vcpus) {
            if (v.state() != Vcpu.State.STOPPED && v.state() != Vcpu.State.CREATED) {
                // Unmapping memory under a running vCPU would crash the host process: leak instead.
                LOG.log(Level.SEVERE, "vCPU {0} still running; leaking its VM to stay safe", v.id());
                return;
            }
        }
        closeQuietly(devices);
        vcpuFds.forEach(Vm::closeQuietly);
        closeQuietly(vmFd);
        closeQuietly(memory);
        closeQuietly(kvm);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "releasing " + c.getClass().getSimpleName() + " failed: " + e.getMessage());
        }
    }
}
