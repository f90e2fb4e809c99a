package io.kvmj.vmm.event;

import io.kvmj.sys.Epoll;
import io.kvmj.sys.EventFd;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The VMM's device thread: waits with epoll on any file descriptor (KVM ioeventfds for virtio queue
 * notifications, sockets, TAP devices, timerfds) for readability or writability and runs each one's handler,
 * one at a time. Sources may be added, changed and removed from any thread, the loop's own included (a
 * handler removing another source, or itself). A handler that throws is logged and the loop goes on, so one
 * broken device cannot stop the others. {@link #pause} parks the loop between handlers, so no device touches guest
 * memory while a VM is paused.
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
    private volatile boolean pauseRequested;
    private boolean parked; // guarded by this: the loop thread waits in park()
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
            if (pauseRequested) {
                park();
            } else {
                dispatch(-1);
            }
        }
    }

    private synchronized void park() {
        parked = true;
        notifyAll();
        while (pauseRequested && !stopping) {
            try {
                wait();
            } catch (InterruptedException e) {
                // Nothing interrupts this thread on purpose; it ends only through close().
            }
        }
        parked = false;
    }

    /**
     * Stops running handlers and waits until the loop thread is parked: a handler running when asked finishes
     * first, none starts until {@link #resume}. Sources that become ready meanwhile stay ready (epoll is
     * level-triggered here) and their handlers run after the resume. Returns at once if the loop is already
     * paused, was never started (then {@link #dispatch} runs nothing until the resume) or is closed.
     *
     * @param timeout how long to wait for the running handler to return
     * @throws TimeoutException      the handler did not return in time; the pause stays requested, so the loop
     *                               parks once it does (call {@link #resume} to withdraw it)
     * @throws InterruptedException  interrupted while waiting; the pause stays requested as well
     * @throws IllegalStateException called from a handler: the loop thread cannot wait for itself
     */
    public synchronized void pause(Duration timeout) throws InterruptedException, TimeoutException {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("the event loop cannot be paused from one of its handlers");
        }
        pauseRequested = true;
        wakeup.signal(); // out of epoll_wait, to park
        long deadline = System.nanoTime() + timeout.toNanos();
        while (thread != null && !parked && !stopping) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("the device event loop did not pause within " + timeout.toMillis()
                        + " ms: a handler is still running");
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Lets handlers run again, those of sources that became ready while paused first; no-op if not paused. */
    public synchronized void resume() {
        pauseRequested = false;
        notifyAll();
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever, 0: not at all) for ready sources and runs their
     * handlers once; returns how many ran. The loop thread calls it forever; code that drives a loop it never
     * started (tests, a single-threaded embedder) calls it directly, from one thread. While the loop is paused
     * it returns 0 at once, and a pause requested meanwhile leaves the rest of the batch to after the resume.
     */
    public int dispatch(int timeoutMillis) {
        if (pauseRequested) {
            return 0;
        }
        int ready = epoll.wait(timeoutMillis);
        int ran = 0;
        for (int i = 0; i < ready && !stopping && !pauseRequested; i++) {
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
            notifyAll(); // a parked loop thread
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
