package io.kvmj.cli;

/**
 * kvmj's process exit statuses. A guest's isa-debug-exit status is always odd ((v << 1) | 1), so kvmj's own
 * codes are even and never collide with it.
 */
public final class ExitCodes {
    /** The guest reset or powered off the machine, or the user quit from the console. */
    public static final int OK = 0;
    /** Bad flags, a bad config file, or a kernel/initrd that cannot be booted. */
    public static final int USAGE = 2;
    /** The VMM failed: KVM unavailable or erroring, an emulation failure, a guest triple fault. */
    public static final int VMM_FAILURE = 4;
    /** Stopped by SIGINT/SIGTERM (the JVM reports 128 + signal). */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
