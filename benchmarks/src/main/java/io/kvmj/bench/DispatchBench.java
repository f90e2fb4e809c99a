package io.kvmj.bench;

import io.kvmj.virtio.DeviceContext;
import io.kvmj.virtio.TransportOnlyState;
import io.kvmj.virtio.TransportState;
import io.kvmj.virtio.VirtioDevice;
import io.kvmj.virtio.VirtioDeviceState;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.mmio.MmioTransport;
import io.kvmj.vmm.bus.Bus;
import io.kvmj.vmm.bus.BusDevice;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a vCPU exit costs in kvmj before the device does real work: a Bus lookup among 8 windows, and
 * virtio-mmio register accesses (InterruptStatus read, QueueNotify write) on an activated transport.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Thread)
public class DispatchBench {
    static final long MMIO_BASE = 0xd000_0000L;
    static final long STRIDE = 0x1000;
    static final int DEVICES = 8;
    /** A register of the 5th of 8 windows. */
    static final long TARGET = MMIO_BASE + 4 * STRIDE + 0x60;

    private Arena arena;
    private Bus bus;
    private MmioTransport transport;
    private FakeVirtioDevice device;

    @Setup
    public void setup() {
        bus = new Bus("mmio");
        for (int i = 0; i < DEVICES; i++) {
            bus.insert(new Register(), MMIO_BASE + i * STRIDE, 0x200);
        }

        arena = Arena.ofShared();
        GuestMemory memory = new RegionGuestMemory(List.of(new GuestRegion(0, arena.allocate(1 << 20, 4096))));
        device = new FakeVirtioDevice();
        transport = new MmioTransport("bench", device, memory, () -> { }, (fd, events, handler) -> {
            throw new UnsupportedOperationException("the benchmark device adds no event sources");
        });
        activate(transport);
        if (!device.active) throw new IllegalStateException("the transport did not activate the device");
    }

    /** The driver's side of virtio-mmio initialization (virtio 1.2, 3.1.1 and 4.2.3.2). */
    private static void activate(MmioTransport t) {
        t.write(0x070, 4, 0);                       // reset
        t.write(0x070, 4, 1);                       // ACKNOWLEDGE
        t.write(0x070, 4, 1 | 2);                   // DRIVER
        t.write(0x024, 4, 1);                       // DriverFeaturesSel = 1
        t.write(0x020, 4, VirtioFeatures.VERSION_1 >>> 32);
        t.write(0x070, 4, 1 | 2 | 8);               // FEATURES_OK
        if ((t.read(0x070, 4) & 8) == 0) throw new IllegalStateException("features refused");
        t.write(0x030, 4, 0);                       // QueueSel
        t.write(0x038, 4, 256);                     // QueueNum
        t.write(0x080, 4, 0x1000);                  // QueueDesc
        t.write(0x084, 4, 0);
        t.write(0x090, 4, 0x2000);                  // QueueDriver (avail)
        t.write(0x094, 4, 0);
        t.write(0x0a0, 4, 0x3000);                  // QueueDevice (used)
        t.write(0x0a4, 4, 0);
        t.write(0x044, 4, 1);                       // QueueReady
        t.write(0x070, 4, 1 | 2 | 8 | 4);           // DRIVER_OK
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public long busRead() {
        return bus.read(TARGET, 4);
    }

    @Benchmark
    public void busWrite() {
        bus.write(TARGET, 4, 0x1234);
    }

    @Benchmark
    public long mmioReadInterruptStatus() {
        return transport.read(0x060, 4);
    }

    @Benchmark
    public int mmioQueueNotify() {
        transport.write(MmioTransport.QUEUE_NOTIFY_OFFSET, 4, 0);
        return device.processed;
    }

    /** A device with one 32-bit register. */
    static final class Register implements BusDevice {
        private long value;

        @Override
        public long read(long offset, int size) {
            return value;
        }

        @Override
        public void write(long offset, int size, long value) {
            this.value = value;
        }
    }

    /** A virtio device with one queue whose processing only counts notifications. */
    static final class FakeVirtioDevice implements VirtioDevice {
        boolean active;
        int processed;

        @Override
        public int deviceType() {
            return 4;
        }

        @Override
        public long deviceFeatures() {
            return VirtioFeatures.COMMON;
        }

        @Override
        public int queueCount() {
            return 1;
        }

        @Override
        public int queueMaxSize() {
            return 256;
        }

        @Override
        public long readConfig(int offset, int size) {
            return 0;
        }

        @Override
        public void writeConfig(int offset, int size, long value) {
        }

        @Override
        public void activate(DeviceContext context) {
            active = true;
        }

        @Override
        public void process(int index) {
            processed++;
        }

        @Override
        public void reset() {
            active = false;
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
        }
    }
}
