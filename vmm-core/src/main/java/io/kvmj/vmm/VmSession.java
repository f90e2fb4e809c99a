package io.kvmj.vmm;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs the machine a {@link VmSpec} describes until it ends for good. With {@link ResetAction#RESTART}, each guest
 * reset (triple fault included) closes the VM and builds it afresh from the same spec: its disks are files and
 * its console streams belong to the spec, so both carry over; everything else (vCPU state, device state, RAM,
 * the loaded kernel) starts new, as after a hardware reset. {@link #pause}, {@link #resume}, {@link #sendCtrlAltDel}
 * and {@link #state} act on whichever VM runs at the time, so that a controller (the API) need not follow the restarts.
 */
public final class VmSession {
    private static final Logger LOG = Logger.getLogger(VmSession.class.getName());

    private final VmSpec spec;
    private final ResetAction onReset;
    private final Object lock = new Object();
    private Vm current;
    private VmExitReason stopRequest;
    private int restarts;
    private boolean ended;

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
        try {
            return runVms();
        } finally {
            synchronized (lock) {
                ended = true;
                current = null;
            }
        }
    }

    private VmExitReason runVms() throws InterruptedException {
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

    /**
     * Where the machine is: the current VM's state ({@link Vm.State#STOPPED} from its stop, whether a restart
     * follows or not); {@link Vm.State#CREATED} before the first VM is built and while a reset rebuilds it;
     * {@link Vm.State#STOPPED} once the session has ended (a failed build included).
     */
    public Vm.State state() {
        synchronized (lock) {
            if (ended) return Vm.State.STOPPED;
            return current == null ? Vm.State.CREATED : current.state();
        }
    }

    /**
     * Pauses the running VM ({@link Vm#pause}); does nothing if it is paused already. Not under the session's lock:
     * a slow pause holds up neither a stop request nor {@link #state}.
     *
     * @throws IllegalStateException the machine is not running: not started yet, restarting, or ended
     * @throws TimeoutException      as {@link Vm#pause}; the VM runs on
     * @throws InterruptedException  as {@link Vm#pause}; the VM runs on
     */
    public void pause(Duration timeout) throws InterruptedException, TimeoutException {
        running("pause").pause(timeout);
    }

    /**
     * Resumes the paused VM ({@link Vm#resume}); does nothing if it runs.
     *
     * @throws IllegalStateException the machine is not running: not started yet, restarting, or ended
     */
    public void resume() {
        running("resume").resume();
    }

    /**
     * Types Ctrl+Alt+Del on the running VM's keyboard ({@link Vm#sendCtrlAltDel}).
     *
     * @throws IllegalStateException the machine is not running (not started yet, restarting, paused or ended), or
     *                               the guest has not read the last keys
     */
    public void sendCtrlAltDel() {
        running("send Ctrl+Alt+Del to").sendCtrlAltDel();
    }

    private Vm running(String operation) {
        synchronized (lock) {
            if (current == null) {
                throw new IllegalStateException("cannot " + operation + " the machine: it "
                        + (ended ? "has ended" : "is not running yet (starting or restarting)"));
            }
            return current;
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
