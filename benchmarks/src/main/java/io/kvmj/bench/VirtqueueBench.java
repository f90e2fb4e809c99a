package io.kvmj.bench;

import io.kvmj.virtio.queue.DescriptorChain;
import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.memory.GuestMemory;
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
 * One request through a 256-entry split ring per operation: the fake driver publishes a 3-descriptor chain,
 * the device pops it, returns it with addUsed and asks needsNotification.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Thread)
public class VirtqueueBench {
    /** direct: 3 descriptors in the table; indirect: one INDIRECT descriptor to a 3-entry table; eventIdx: direct with VIRTIO_F_EVENT_IDX. */
    @Param({"direct", "indirect", "eventIdx"})
    public String ring;

    private BenchRing fixture;
    private SplitQueue queue;
    private GuestMemory memory;

    @Setup
    public void setup() {
        fixture = new BenchRing(ring.equals("indirect"), ring.equals("eventIdx"));
        queue = fixture.queue;
        memory = fixture.memory;
    }

    @TearDown
    public void tearDown() {
        fixture.close();
    }

    @Benchmark
    public boolean request() throws VirtqueueException {
        fixture.publish();
        DescriptorChain chain = queue.pop(memory);
        queue.addUsed(memory, chain.headIndex(), 1);
        return queue.needsNotification(memory);
    }
}
