package io.kvmj.vmm.event;

import io.kvmj.sys.Epoll;
import io.kvmj.sys.EventFd;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The VMM's device thread: waits on eventfds (KVM ioeventfds for virtio queue notifications, and anything
 * else a device wants to hear about) with epoll and runs each one's handler, one at a time. A handler that
 * throws is logged and the loop goes on, so one broken device cannot stop the others.
 */
public final class EventLoop implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EventLoop.class.getName());
    private static final int MAX_EVENTS = 64;

    private record Source(EventFd fd, Runnable handler) {
    }

    private final Epoll epoll = new Epoll(MAX_EVENTS);
    private final EventFd wakeup = new EventFd();
    // Index = epoll token. Written before or while the loop runs, read by the loop thread.
    private final List<Source> sources = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;
    private Thread thread;

    public EventLoop() {
        sources.add(new Source(wakeup, () -> { }));
        epoll.addReadable(wakeup.fd(), 0);
    }

    /** Runs {@code handler} on the loop thread each time {@code fd} is signalled (signals may coalesce). */
    public synchronized void register(EventFd fd, Runnable handler) {
        sources.add(new Source(fd, handler));
        epoll.addReadable(fd.fd(), sources.size() - 1);
    }

    public synchronized void start() {
        if (thread == null) {
            thread = Thread.ofPlatform().name("vmm-events").daemon(true).start(this::run);
        }
    }

    private void run() {
        while (!stopping) {
            int ready = epoll.wait(-1);
            for (int i = 0; i < ready && !stopping; i++) {
                Source s = sources.get((int) epoll.token(i));
                s.fd().drain();
                try {
                    s.handler().run();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "device event handler failed: " + e, e);
                }
            }
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            stopping = true;
            t = thread;
        }
        wakeup.signal();
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // the loop may still use the fds: leave them open
            }
        }
        epoll.close();
        wakeup.close();
    }
}
