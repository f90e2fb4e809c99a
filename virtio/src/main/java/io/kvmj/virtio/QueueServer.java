package io.kvmj.virtio;

import io.kvmj.virtio.queue.DescriptorChain;
import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.memory.GuestMemory;

/**
 * The request loop every device shares: pop each available chain and complete it until the queue is empty
 * with notifications re-armed, then interrupt the driver if it asked for it.
 */
public final class QueueServer {
    /** Handles one chain; returns the number of bytes it wrote into the chain's writable buffers. */
    @FunctionalInterface
    public interface ChainHandler {
        int handle(DescriptorChain chain);
    }

    private QueueServer() {
    }

    public static void serve(SplitQueue queue, GuestMemory memory, VirtioInterrupt interrupt, ChainHandler handler)
            throws VirtqueueException {
        boolean completed = false;
        while (true) {
            DescriptorChain chain = queue.pop(memory);
            if (chain == null) {
                // Re-arm the driver's notifications (moves avail_event with event idx), then look once more:
                // a buffer added just before re-arming would otherwise wait for the next notification.
                queue.enableNotifications(memory);
                chain = queue.pop(memory);
                if (chain == null) {
                    break;
                }
            }
            queue.addUsed(memory, chain.headIndex(), handler.handle(chain));
            completed = true;
        }
        if (completed && queue.needsNotification(memory)) {
            interrupt.usedBuffer();
        }
    }
}
