package io.kvmj.sys;

/**
 * Interrupts a platform thread blocked in a system call (KVM_RUN) with a real-time signal. The handler is a
 * pure libc function ({@code abs}), so no Java code runs in signal context; KVM_RUN returns EINTR. It is installed
 * with signal(3), whose BSD semantics (SA_RESTART, the handler stays) do not matter here: KVM_RUN returns EINTR
 * whatever SA_RESTART says, and only vCPU threads are sent this signal. signal(3) takes no struct sigaction,
 * whose generated class alone costs tens of milliseconds to initialize at start-up.
 */
public final class ThreadKicker {
    /** glibc and the JVM use the first few real-time signals; SIGRTMIN+6 is free in both. */
    private static final int OFFSET_FROM_SIGRTMIN = 6;
    private static volatile int signal;

    private ThreadKicker() {
    }

    private static int signal() {
        int s = signal;
        if (s == 0) {
            synchronized (ThreadKicker.class) {
                if (signal == 0) {
                    signal = installHandler();
                }
                s = signal;
            }
        }
        return s;
    }

    /** Installs the kick signal's handler now rather than when the first thread is prepared. */
    public static void install() {
        signal();
    }

    private static int installHandler() {
        int sig = Libc.sigrtmin() + OFFSET_FROM_SIGRTMIN;
        Libc.signal(sig, Libc.symbol("abs"));
        return sig;
    }

    /**
     * Must be called once on a thread before another thread can {@link #kick} it; returns its handle (the
     * kernel thread id), valid while the thread lives.
     */
    public static int prepareCurrentThread() {
        signal();
        return Libc.gettid();
    }

    public static void kick(int tid) {
        Libc.tgkill(tid, signal());
    }
}
