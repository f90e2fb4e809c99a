package io.kvmj.virtio.rng;

import io.kvmj.sys.Libc;
import io.kvmj.virtio.QueueServer;
import io.kvmj.virtio.VirtioDevice;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.VirtioInterrupt;
import io.kvmj.virtio.queue.Descriptor;
import io.kvmj.virtio.queue.DescriptorChain;
import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.memory.GuestMemory;

import java.util.List;

/**
 * virtio-rng (virtio 1.2 section 5.4): fills every device-writable buffer the guest offers with bytes from
 * the host kernel's CSPRNG (getrandom), written straight into guest memory.
 */
public final class RngDevice implements VirtioDevice {
    public static final int DEVICE_TYPE = 4;
    static final int QUEUE_SIZE = 256;
    /** Bytes served per request at most: a guest asking for gigabytes gets a short answer, as the spec allows. */
    static final int MAX_BYTES_PER_REQUEST = 64 * 1024;

    private GuestMemory memory;
    private List<SplitQueue> queues;
    private VirtioInterrupt interrupt;

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
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
        return QUEUE_SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        return 0; // no configuration space
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        // no configuration space
    }

    @Override
    public void activate(GuestMemory memory, List<SplitQueue> queues, long ackedFeatures, VirtioInterrupt interrupt) {
        this.memory = memory;
        this.queues = queues;
        this.interrupt = interrupt;
    }

    @Override
    public void reset() {
        memory = null;
        queues = null;
        interrupt = null;
    }

    @Override
    public void process(int index) throws VirtqueueException {
        QueueServer.serve(queues.get(index), memory, interrupt, chain -> fill(chain.descriptors()));
    }

    private int fill(List<Descriptor> chain) {
        int filled = 0;
        for (Descriptor d : chain) {
            if (!d.writable()) {
                continue; // read-only buffers carry nothing for an entropy device
            }
            int n = Math.min(d.length(), MAX_BYTES_PER_REQUEST - filled);
            if (n <= 0) {
                break;
            }
            Libc.getrandom(memory.slice(d.address(), n));
            filled += n;
        }
        return filled;
    }
}
