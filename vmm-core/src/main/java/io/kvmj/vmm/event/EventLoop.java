package io.kvmj.vmm.event;

import io.kvmj.sys.Epoll;
import io.kvmj.sys.EventFd;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The VMM's device thread: waits with epoll on any file descriptor (KVM ioeventfds for virtio queue
 * notifications, sockets, TAP devices, timerfds) for readability or writability and runs each one's handler,
 * one at a time. Sources may be added, changed and removed from any thread, the loop's own included (a
 * handler removing another source, or itself). A handler that throws is logged and the loop goes on, so one
 * broken device cannot stop the others.
 */
public final class EventLoop implements EventOps, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EventLoop.class.getName());
    private static final int MAX_EVENTS = 64;
    private static final long WAKEUP_TOKEN = 0;

    private final Epoll epoll = new Epoll(MAX_EVENTS);
    private final EventFd wakeup = new EventFd();
    // Token -> source. Tokens are never reused, so readiness reported for a source removed meanwhile (even
    // one whose fd number was reused by a new source) finds nothing and is dropped.
    private final Map<Long, Source> sources = new ConcurrentHashMap<>();
    private final AtomicLong nextToken = new AtomicLong(WAKEUP_TOKEN + 1);
    private volatile boolean stopping;
    private Thread thread;

    private final class Source implements EventSource {
        private final int fd;
        private final long token;
        private final ReadyHandler handler;

        Source(int fd, long token, ReadyHandler handler) {
            this.fd = fd;
            this.token = token;
            this.handler = handler;
        }

        @Override
        public void modify(int events) {
            if (sources.containsKey(token)) {
                epoll.modify(fd, events, token);
            }
        }

        @Override
        public void remove() {
            if (sources.remove(token) != null) {
                epoll.remove(fd);
            }
        }
    }

    public EventLoop() {
        epoll.addReadable(wakeup.fd(), WAKEUP_TOKEN);
    }

    @Override
    public EventSource add(int fd, int events, ReadyHandler handler) {
        long token = nextToken.getAndIncrement();
        Source s = new Source(fd, token, handler);
        sources.put(token, s);
        try {
            epoll.add(fd, events, token);
        } catch (RuntimeException e) {
            sources.remove(token);
            throw e;
        }
        return s;
    }

    /** Runs {@code handler} on the loop thread each time {@code fd} is signalled (signals may coalesce). */
    public void register(EventFd fd, Runnable handler) {
        add(fd.fd(), READABLE, events -> {
            fd.drain();
            handler.run();
        });
    }

    public synchronized void start() {
        if (thread == null) {
            thread = Thread.ofPlatform().name("vmm-events").daemon(true).start(this::run);
        }
    }

    private void run() {
        while (!stopping) {
            dispatch(-1);
        }
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever, 0: not at all) for ready sources and runs their
     * handlers once; returns how many ran. The loop thread calls it forever; code that drives a loop it never
     * started (tests, a single-threaded embedder) calls it directly, from one thread.
     */
    public int dispatch(int timeoutMillis) {
        int ready = epoll.wait(timeoutMillis);
        int ran = 0;
        for (int i = 0; i < ready && !stopping; i++) {
            long token = epoll.token(i);
            if (token == WAKEUP_TOKEN) {
                wakeup.drain();
                continue;
            }
            Source s = sources.get(token);
            if (s == null) {
                continue; // removed after this batch was reported
            }
            ran++;
            try {
                s.handler.ready(epoll.events(i));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "device event handler failed: " + e, e);
            }
        }
        return ran;
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
