package io.kvmj.bench;

import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * GuestMemory on two regions (2 MiB at 0, 2 MiB at 4 GiB, like RAM split around the PCI hole); accesses go to
 * the second region so the lookup walks past the first.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Thread)
public class GuestMemoryBench {
    static final long REGION_SIZE = 2L << 20;
    static final long HIGH = 1L << 32;
    static final long ADDRESS = HIGH + 0x1000;

    private Arena arena;
    private GuestMemory memory;
    private long value;

    @Setup
    public void setup() {
        arena = Arena.ofShared();
        memory = new RegionGuestMemory(List.of(
                new GuestRegion(0, arena.allocate(REGION_SIZE, 4096)),
                new GuestRegion(HIGH, arena.allocate(REGION_SIZE, 4096))));
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public long readLong() {
        return memory.readLong(ADDRESS);
    }

    @Benchmark
    public void writeLong() {
        memory.writeLong(ADDRESS, ++value);
    }

    /** slice(...) of the guest range, then one bulk copy to or from a host buffer of the same size. */
    @Benchmark
    public void copyGuestToHost(Copy c) {
        c.host.copyFrom(memory.slice(ADDRESS, c.bytes));
    }

    @Benchmark
    public void copyHostToGuest(Copy c) {
        memory.slice(ADDRESS, c.bytes).copyFrom(c.host);
    }

    /** A host buffer of the size under test (a separate state, so readLong/writeLong are not run per size). */
    @State(Scope.Thread)
    public static class Copy {
        @Param({"4096", "1048576"})
        public int bytes;

        private Arena arena;
        MemorySegment host;

        @Setup
        public void setup() {
            arena = Arena.ofShared();
            host = arena.allocate(bytes, 4096);
        }

        @TearDown
        public void tearDown() {
            arena.close();
        }
    }
}
