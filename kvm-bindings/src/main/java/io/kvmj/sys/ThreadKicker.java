package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.sigaction;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Interrupts a platform thread blocked in a system call (KVM_RUN) with a real-time signal. The handler is a
 * pure libc function ({@code abs}), so no Java code runs in signal context; installed without SA_RESTART, the
 * blocked call returns EINTR.
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
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment action = sigaction.allocate(arena);
            action.fill((byte) 0);
            sigaction.__sigaction_handler.sa_handler(sigaction.__sigaction_handler(action), Libc.symbol("abs"));
            sigaction.sa_flags(action, 0);
            Libc.sigaction(sig, action, MemorySegment.NULL);
        }
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
