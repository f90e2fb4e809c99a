package io.kvmj.vmm.event;

/** One fd watched by an event loop, as returned by {@link EventOps#add}. */
public interface EventSource {
    /** Watches for {@code events} (READABLE, WRITABLE, both, or 0) instead of what was asked before. */
    void modify(int events);

    /** Stops watching; the handler is not called again for readiness reported after this returns. Idempotent. */
    void remove();
}
