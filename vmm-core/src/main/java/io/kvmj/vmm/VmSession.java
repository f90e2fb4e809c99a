package io.kvmj.vmm;

import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs the machine a {@link VmSpec} describes until it ends for good. With {@link ResetAction#RESTART}, each guest
 * reset (triple fault included) closes the VM and builds it afresh from the same spec: its disks are files and
 * its console streams belong to the spec, so both carry over; everything else (vCPU state, device state, RAM,
 * the loaded kernel) starts new, as after a hardware reset.
 */
public final class VmSession {
    private static final Logger LOG = Logger.getLogger(VmSession.class.getName());

    private final VmSpec spec;
    private final ResetAction onReset;
    private final Object lock = new Object();
    private Vm current;
    private VmExitReason stopRequest;
    private int restarts;

    public VmSession(VmSpec spec, ResetAction onReset) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.onReset = Objects.requireNonNull(onReset, "onReset");
    }

    /**
     * Builds and runs the VM, again after each reset the {@link ResetAction} restarts; returns why it ended.
     *
     * @throws io.kvmj.vmm.boot.BootException    the kernel or initrd cannot be booted (also on a restart: the
     *                                           files are read again)
     * @throws io.kvmj.kvm.KvmUnavailableException no usable /dev/kvm
     * @throws InterruptedException               interrupted while waiting for the VM
     */
    public VmExitReason run() throws InterruptedException {
        while (true) {
            try (Vm vm = VmBuilder.build(spec)) {
                synchronized (lock) {
                    if (stopRequest != null) {
                        return stopRequest;
                    }
                    current = vm;
                }
                vm.start();
                VmExitReason reason = vm.awaitExit();
                synchronized (lock) {
                    current = null;
                    if (stopRequest != null || !restartsAfter(reason)) {
                        return stopRequest != null ? stopRequest : reason;
                    }
                    restarts++;
                }
                // A triple fault is nearly always a crash: said at the default log level, so a crash loop shows.
                LOG.log(reason instanceof VmExitReason.TripleFault ? Level.WARNING : Level.INFO,
                        () -> "guest reset (" + describe(reason) + "): restarting the machine, restart " + restarts);
            }
        }
    }

    /** Ends the session with {@code reason}: the running VM stops and none is started after it. Any thread. */
    public void requestStop(VmExitReason reason) {
        Vm vm;
        synchronized (lock) {
            if (stopRequest == null) {
                stopRequest = reason;
            }
            vm = current;
        }
        if (vm != null) {
            vm.requestStop(reason);
        }
    }

    /** How many times the machine was restarted so far. */
    public int restarts() {
        synchronized (lock) {
            return restarts;
        }
    }

    private boolean restartsAfter(VmExitReason reason) {
        return onReset == ResetAction.RESTART
                && (reason instanceof VmExitReason.Reset || reason instanceof VmExitReason.TripleFault);
    }

    private static String describe(VmExitReason reason) {
        return switch (reason) {
            case VmExitReason.Reset r -> r.how();
            case VmExitReason.TripleFault t -> "triple fault, " + t.where();
            default -> reason.toString();
        };
    }
}
