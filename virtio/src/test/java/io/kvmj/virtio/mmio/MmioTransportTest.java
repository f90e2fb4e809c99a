package io.kvmj.virtio.mmio;

import io.kvmj.sys.EventFd;
import io.kvmj.virtio.DeviceContext;
import io.kvmj.virtio.TransportOnlyState;
import io.kvmj.virtio.TransportState;
import io.kvmj.virtio.VirtioDevice;
import io.kvmj.virtio.VirtioDeviceState;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.VirtioInterrupt;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.event.EventLoop;
import io.kvmj.vmm.event.EventOps;
import io.kvmj.vmm.event.EventSource;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MmioTransportTest {
    /** Records what the transport does to it; its queue processing can be told to fail. */
    private static final class FakeDevice implements VirtioDevice {
        final List<String> events = new ArrayList<>();
        boolean failProcessing;
        VirtioInterrupt interrupt;
        DeviceContext context;
        Runnable duringProcessing = () -> { };

        @Override
        public int deviceType() {
            return 42;
        }

        @Override
        public long deviceFeatures() {
            return VirtioFeatures.COMMON | 1;
        }

        @Override
        public int queueCount() {
            return 2;
        }

        @Override
        public int queueMaxSize() {
            return 16;
        }

        @Override
        public long readConfig(int offset, int size) {
            return offset == 0 ? 0x1234 : 0;
        }

        @Override
        public void writeConfig(int offset, int size, long value) {
            events.add("config " + offset + "=" + value);
        }

        @Override
        public void activate(DeviceContext context) {
            events.add("activate 0x" + Long.toHexString(context.ackedFeatures()));
            interrupt = context.interrupt();
            this.context = context;
        }

        @Override
        public void process(int index) throws VirtqueueException {
            if (failProcessing) {
                throw new VirtqueueException("broken chain");
            }
            duringProcessing.run();
            events.add("process " + index);
        }

        @Override
        public void reset() {
            events.add("reset");
        }

        @Override
        public Class<TransportOnlyState> stateType() {
            return TransportOnlyState.class;
        }

        @Override
        public TransportOnlyState saveState(TransportState transport) {
            return new TransportOnlyState(transport);
        }

        @Override
        public void restoreState(VirtioDeviceState state, boolean resumes) {
            // nothing of its own (snapshots are TransportSnapshotTest's)
        }
    }

    private final GuestMemory memory = new RegionGuestMemory(List.of(new GuestRegion(0, Arena.ofAuto().allocate(1 << 20))));
    private final FakeDevice device = new FakeDevice();
    private int interrupts;
    private final EventLoop loop = new EventLoop(); // never started: the test dispatches
    private final MmioTransport t = new MmioTransport("fake", device, memory, () -> interrupts++, loop);

    @AfterEach
    void closeLoop() {
        loop.close();
    }

    private long r(int offset) {
        return t.read(offset, 4);
    }

    private void w(int offset, long value) {
        t.write(offset, 4, value);
    }

    /** The Linux driver's init sequence, with one queue at the given ring addresses. */
    private void initialize(long features, long desc) {
        w(0x70, MmioTransport.STATUS_ACKNOWLEDGE);
        w(0x70, MmioTransport.STATUS_ACKNOWLEDGE | MmioTransport.STATUS_DRIVER);
        w(0x24, 0);
        w(0x20, features & 0xffffffffL);
        w(0x24, 1);
        w(0x20, features >>> 32);
        w(0x70, 3 | MmioTransport.STATUS_FEATURES_OK);
        w(0x30, 0);
        w(0x38, 8);
        w(0x80, desc);
        w(0x90, desc + 0x1000);
        w(0xa0, desc + 0x2000);
        w(0x44, 1);
        w(0x70, 3 | MmioTransport.STATUS_FEATURES_OK | MmioTransport.STATUS_DRIVER_OK);
    }

    @Test
    void identificationRegisters() {
        assertEquals(0x74726976, r(0));
        assertEquals(2, r(4));
        assertEquals(42, r(8));
        assertEquals(16, r(0x34));
        assertEquals(0x1234, t.read(0x100, 2), "config space");
        w(0x14, 1);
        assertEquals(1, r(0x10), "VERSION_1 is bit 32");
        w(0x14, 7);
        assertEquals(0, r(0x10), "unknown feature window");
        w(0x14, -1);
        assertEquals(0, r(0x10), "0xffffffff is not window 1 (a signed compare would say so)");
    }

    @Test
    void negotiationAndActivation() {
        initialize(VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX, 0x10000);
        assertEquals(0xf, r(0x70));
        assertEquals(List.of("activate 0x" + Long.toHexString(VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX)),
                device.events);
        t.notifyQueue(0);
        w(0x50, 0);
        assertEquals(List.of("process 0", "process 0"), device.events.subList(1, 3));
        device.interrupt.usedBuffer();
        assertEquals(1, interrupts);
        assertEquals(1, r(0x60));
        w(0x64, 1);
        assertEquals(0, r(0x60));
    }

    @Test
    void featuresWithoutVersion1OrUnofferedAreRefused() {
        w(0x70, 3);
        w(0x20, 1);
        w(0x70, 3 | MmioTransport.STATUS_FEATURES_OK);
        assertEquals(3, r(0x70), "FEATURES_OK not set: legacy-only drivers are refused");
        w(0x70, 0);
        w(0x70, 3);
        w(0x24, 1);
        w(0x20, 1 | 2); // bit 33 was never offered
        w(0x70, 3 | MmioTransport.STATUS_FEATURES_OK);
        assertEquals(3, r(0x70));
        w(0x70, 3 | MmioTransport.STATUS_DRIVER_OK);
        assertEquals(3, r(0x70), "DRIVER_OK without FEATURES_OK is ignored");
        assertTrue(device.events.isEmpty());
    }

    @Test
    void queueOutsideGuestMemoryMeansNeedsResetNotCrash() {
        initialize(VirtioFeatures.VERSION_1, 0xfff00000L);
        assertNotEquals(0, r(0x70) & MmioTransport.STATUS_NEEDS_RESET);
        assertEquals(MmioTransport.INT_CONFIG_CHANGE, r(0x60));
        assertEquals(1, interrupts);
        t.notifyQueue(0);
        assertTrue(device.events.isEmpty(), "never activated, never processed");
        w(0x70, 0);
        assertEquals(0, r(0x70), "reset recovers");
    }

    @Test
    void brokenChainPutsTheDeviceInNeedsReset() {
        initialize(VirtioFeatures.VERSION_1, 0x10000);
        device.failProcessing = true;
        t.notifyQueue(0);
        assertNotEquals(0, r(0x70) & MmioTransport.STATUS_NEEDS_RESET);
        device.failProcessing = false;
        t.notifyQueue(0);
        assertFalse(device.events.contains("process 0"), "no processing until the driver resets");
        w(0x70, 0);
        assertTrue(device.events.contains("reset"));
        initialize(VirtioFeatures.VERSION_1, 0x10000);
        t.notifyQueue(0);
        assertTrue(device.events.contains("process 0"));
    }

    @Test
    void garbageRegisterAccessesAreIgnored() {
        w(0x30, 99); // no such queue
        assertEquals(0, r(0x34));
        w(0x38, 1024);
        w(0x44, 1);
        assertEquals(0, r(0x44));
        t.write(0x70, 1, 0xff); // registers are 32-bit only
        assertEquals(0, r(0x70));
        assertEquals(0, t.read(0x70, 2));
        w(0x00, 0); // read-only
        assertEquals(0x74726976, r(0));
        w(0xf8, 0xdead);
        w(0x70, 3);
        w(0x70, 1); // clearing bits other than by reset
        assertEquals(3, r(0x70));
        t.notifyQueue(-1);
        t.notifyQueue(7);
        w(0x50, 12345);
        assertTrue(device.events.isEmpty());
    }

    @Test
    void queueLayoutIsFrozenOnceLive() {
        initialize(VirtioFeatures.VERSION_1, 0x10000);
        w(0x38, 4);
        w(0x80, 0x50000);
        w(0x44, 0);
        assertEquals(1, r(0x44), "cannot un-ready a live queue except by reset");
    }

    @Test
    void deviceEventsRunAsDeviceWorkAndAreRemovedAtReset() throws Exception {
        initialize(VirtioFeatures.VERSION_1, 0x10000);
        try (EventFd fd = new EventFd()) {
            List<Integer> seen = new ArrayList<>();
            device.context.events().add(fd.fd(), EventOps.READABLE, ready -> {
                fd.drain();
                seen.add(ready);
            });
            fd.signal();
            assertEquals(1, loop.dispatch(0));
            assertEquals(List.of(EventOps.READABLE), seen);

            w(0x70, 0); // driver reset: the source goes away with the activation
            fd.signal();
            assertEquals(0, loop.dispatch(0), "no handler after reset");
            assertEquals(1, seen.size());
        }
    }

    @Test
    void brokenQueueFoundByAnEventHandlerMeansNeedsReset() {
        initialize(VirtioFeatures.VERSION_1, 0x10000);
        try (EventFd fd = new EventFd()) {
            EventSource s = device.context.events().add(fd.fd(), EventOps.READABLE, ready -> {
                fd.drain();
                throw new io.kvmj.virtio.queue.VirtqueueException("bad descriptor");
            });
            fd.signal();
            loop.dispatch(0);
            assertNotEquals(0, r(0x70) & MmioTransport.STATUS_NEEDS_RESET);
            fd.signal();
            assertEquals(1, loop.dispatch(0));
            s.remove();
            fd.signal();
            assertEquals(0, loop.dispatch(0), "removed by the device itself");
        }
    }

    @Test
    void interruptStatusAndStatusAreReadableWhileTheDeviceWorks() throws Exception {
        initialize(VirtioFeatures.VERSION_1, 0x10000);
        device.interrupt.usedBuffer();
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        device.duringProcessing = () -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread worker = Thread.ofPlatform().start(() -> t.notifyQueue(0));
        try {
            inside.await();
            // The worker holds the device in the middle of a request; a vCPU still reads and acknowledges.
            assertEquals(MmioTransport.INT_USED_BUFFER, r(0x60));
            w(0x64, MmioTransport.INT_USED_BUFFER);
            assertEquals(0, r(0x60));
            assertEquals(0xf, r(0x70));
            assertEquals(0x1234, t.read(0x100, 2));
        } finally {
            release.countDown();
            worker.join();
        }
        assertTrue(device.events.contains("process 0"));
    }
}
