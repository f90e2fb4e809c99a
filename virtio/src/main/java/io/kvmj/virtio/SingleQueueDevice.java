package io.kvmj.virtio;

import io.kvmj.virtio.queue.DescriptorChain;
import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.memory.GuestMemory;

import java.util.List;

/**
 * A device with one request queue whose requests are independent chains (block, entropy): holds what
 * {@link #activate} hands over and serves each notified queue with {@link #handle}.
 */
public abstract class SingleQueueDevice implements VirtioDevice {
    private GuestMemory memory;
    private List<SplitQueue> queues;
    private VirtioInterrupt interrupt;

    /** Completes one request; returns the number of bytes written into the chain's writable buffers. */
    protected abstract int handle(DescriptorChain chain);

    /** Guest memory while active; null before activation and after a reset. */
    protected final GuestMemory memory() {
        return memory;
    }

    @Override
    public final int queueCount() {
        return 1;
    }

    @Override
    public final void activate(DeviceContext context) {
        this.memory = context.memory();
        this.queues = context.queues();
        this.interrupt = context.interrupt();
    }

    @Override
    public final void reset() {
        memory = null;
        queues = null;
        interrupt = null;
    }

    @Override
    public final void process(int index) throws VirtqueueException {
        QueueServer.serve(queues.get(index), memory, interrupt, this::handle);
    }
}
