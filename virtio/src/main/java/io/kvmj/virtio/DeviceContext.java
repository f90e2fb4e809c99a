package io.kvmj.virtio;

import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.vmm.memory.GuestMemory;

import java.util.List;

/**
 * Everything an active device may use, handed over when the driver sets DRIVER_OK and taken back at reset:
 * guest memory, its queues (in device order), the features the driver accepted, its interrupt and the event
 * loop for its own fds and timers.
 */
public record DeviceContext(GuestMemory memory, List<SplitQueue> queues, long ackedFeatures,
                            VirtioInterrupt interrupt, DeviceEvents events) {
    public DeviceContext {
        queues = List.copyOf(queues);
    }
}
