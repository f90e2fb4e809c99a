package io.kvmj.vmm;

import io.kvmj.kvm.Kvm;
import io.kvmj.kvm.VcpuFd;
import io.kvmj.kvm.VmFd;
import io.kvmj.vmm.devices.DeviceManager;
import io.kvmj.vmm.memory.DirtyPages;
import io.kvmj.vmm.memory.MmapGuestMemory;
import io.kvmj.vmm.vcpu.Vcpu;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A built VM: its KVM fds, guest memory, devices and vCPUs. The first stop request wins and becomes the exit
 * reason; {@link #close()} releases every fd and mapping, in dependency order.
 */
public final class Vm implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Vm.class.getName());
    private static final long JOIN_MILLIS = 5000;

    private final Kvm kvm;
    private final VmFd vmFd;
    private final MmapGuestMemory memory;
    private final boolean trackDirtyPages;
    private final DeviceManager devices;
    private final List<VcpuFd> vcpuFds;
    private final List<Vcpu> vcpus;
    private final List<Runnable> startHooks;
    private final CompletableFuture<VmExitReason> exit = new CompletableFuture<>();
    private boolean closed;

    Vm(Kvm kvm, VmFd vmFd, MmapGuestMemory memory, boolean trackDirtyPages, DeviceManager devices,
       List<VcpuFd> vcpuFds, List<Vcpu> vcpus, List<Runnable> startHooks) {
        this.kvm = kvm;
        this.trackDirtyPages = trackDirtyPages;
        this.vmFd = vmFd;
        this.memory = memory;
        this.devices = devices;
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
        if (!trackDirtyPages) {
            throw new IllegalStateException("dirty pages are not tracked: build the VM with trackDirtyPages");
        }
        return memory.dirtyPages(vmFd);
    }

    public List<Vcpu> vcpus() {
        return vcpus;
    }

    public void start() {
        vcpus.forEach(Vcpu::start);
        startHooks.forEach(Runnable::run);
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

    public void pause() throws InterruptedException {
        for (Vcpu v : vcpus) {
            v.pause();
        }
    }

    public void resume() {
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
