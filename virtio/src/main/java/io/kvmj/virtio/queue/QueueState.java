package io.kvmj.virtio.queue;

/**
 * Everything a {@link SplitQueue} holds, for snapshots: {@link SplitQueue#state()} and
 * {@link SplitQueue#restore}. The rings themselves live in guest memory and are saved with it.
 *
 * @param maxSize the device's maximum queue size (a power of two up to 32768)
 * @param size the size the driver chose (not checked here: {@link SplitQueue#validate} does)
 * @param nextAvail the free-running 16-bit index of the next avail ring entry the device will read
 * @param nextUsed the free-running 16-bit index of the next used ring entry the device will write
 * @param signalledUsed {@code nextUsed} at the last {@link SplitQueue#needsNotification} call
 */
public record QueueState(int maxSize, int size, boolean ready, long descTableAddress, long availRingAddress,
                         long usedRingAddress, boolean eventIdx, int nextAvail, int nextUsed, int signalledUsed) {}
