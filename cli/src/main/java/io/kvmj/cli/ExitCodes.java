package io.kvmj.cli;

/**
 * kvmj's process exit statuses. A guest's isa-debug-exit status is always odd ((v << 1) | 1), so kvmj's own
 * codes are even and never collide with it.
 */
public final class ExitCodes {
    /** The guest powered off or reset the machine (resets ending the VM), or the user quit from the console. */
    public static final int OK = 0;
    /** Bad flags, a bad config file, or a kernel/initrd that cannot be booted. */
    public static final int USAGE = 2;
    /** The VMM failed: KVM unavailable or erroring, an instruction KVM cannot emulate. */
    public static final int VMM_FAILURE = 4;
    /**
     * A vCPU triple-faulted and resets end the VM: a reset, but told apart from the guest's own requests because
     * it is nearly always a crash (on {@code "on-reset": "restart"} the machine restarts instead).
     */
    public static final int TRIPLE_FAULT = 6;
    /** {@code kvmj ctl}: the API answered the request with a fault (printed as its {@code fault_message}). */
    public static final int API_FAULT = 8;
    /** {@code kvmj ctl}: the API socket cannot be reached (no such file, nobody serving it, no permission). */
    public static final int API_UNREACHABLE = 10;
    /** Stopped by SIGINT/SIGTERM (the JVM reports 128 + signal). */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
