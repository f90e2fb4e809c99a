package io.kvmj.vmm.event;

import io.kvmj.sys.EventFd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pausing and resuming the event loop, on real eventfds: no handler runs while paused, none is lost. */
class EventLoopPauseTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    /** How long a handler that must not run is given to run anyway. */
    private static final long QUIET_MILLIS = 200;

    private final EventLoop loop = new EventLoop();
    private final EventFd fd = new EventFd();
    /** One permit per handler run. */
    private final Semaphore handled = new Semaphore(0);

    @AfterEach
    void close() {
        loop.close();
        fd.close();
    }

    private boolean handledWithin(long millis) throws InterruptedException {
        return handled.tryAcquire(millis, TimeUnit.MILLISECONDS);
    }

    @Test
    void aSignalWhilePausedIsHandledAfterTheResume() throws Exception {
        loop.register(fd, handled::release);
        loop.start();
        fd.signal();
        assertTrue(handledWithin(WAIT.toMillis()), "a running loop handles the signal");

        loop.pause(WAIT);
        fd.signal();
        assertFalse(handledWithin(QUIET_MILLIS), "no handler runs while paused");
        loop.resume();
        assertTrue(handledWithin(WAIT.toMillis()), "the signal is handled after the resume");
    }

    @Test
    void pausingAndResumingTwiceIsHarmless() throws Exception {
        loop.register(fd, handled::release);
        loop.start();
        loop.pause(WAIT);
        loop.pause(WAIT);
        fd.signal();
        assertFalse(handledWithin(QUIET_MILLIS));
        loop.resume();
        loop.resume();
        assertTrue(handledWithin(WAIT.toMillis()));
        fd.signal();
        assertTrue(handledWithin(WAIT.toMillis()), "still running after the second resume");
    }

    @Test
    void aLoopNeverStartedPausesAtOnceAndDispatchesNothingUntilResumed() throws Exception {
        loop.register(fd, handled::release);
        loop.pause(Duration.ZERO);
        fd.signal();
        assertEquals(0, loop.dispatch(0));
        assertEquals(0, handled.availablePermits());
        loop.resume();
        assertEquals(1, loop.dispatch(0));
        assertEquals(1, handled.availablePermits());
    }

    @Test
    void pauseWaitsForTheRunningHandlerAndTimesOutWhileItRuns() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.register(fd, () -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            handled.release();
        });
        loop.start();
        fd.signal();
        assertTrue(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        TimeoutException e = assertThrows(TimeoutException.class, () -> loop.pause(Duration.ofMillis(100)));
        assertTrue(e.getMessage().contains("event loop"), e.getMessage());
        release.countDown();
        loop.pause(WAIT); // the handler returns, then the loop parks
        assertTrue(handledWithin(0), "the running handler finished before the pause completed");
        fd.signal();
        assertFalse(handledWithin(QUIET_MILLIS));
        loop.resume();
        assertTrue(handledWithin(WAIT.toMillis()));
    }

    @Test
    void aHandlerCannotPauseItsOwnLoop() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        loop.register(fd, () -> {
            try {
                loop.pause(WAIT);
            } catch (Exception | Error t) {
                thrown.set(t);
            }
            handled.release();
        });
        loop.start();
        fd.signal();
        assertTrue(handledWithin(WAIT.toMillis()));
        assertInstanceOf(IllegalStateException.class, thrown.get());
    }

    @Test
    void closingAPausedLoopEndsItsThread() throws Exception {
        EventLoop own = new EventLoop(); // closed here: close() is not idempotent
        own.register(fd, handled::release);
        own.start();
        own.pause(WAIT);
        Thread closer = Thread.ofPlatform().start(own::close);
        closer.join(WAIT);
        assertFalse(closer.isAlive(), "close() returned");
    }
}
