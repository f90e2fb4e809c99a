package io.kvmj.virtio.queue;

/**
 * The device side of a split virtqueue, for snapshots ({@link SplitQueue#state()}, {@link SplitQueue#restore}):
 * what the device must remember that the rings in guest memory do not say. The rings themselves (descriptor
 * table, available and used rings, used_event and avail_event) are in guest RAM and saved with it.
 *
 * @param maxSize       the device's maximum queue size, QueueNumMax (virtio 1.2 section 4.2.2): a power of two up
 *                      to 32768 (section 2.7)
 * @param size          the size the driver chose, QueueNum (section 4.2.2): any value the driver wrote, checked
 *                      only for a ready queue
 * @param ready         QueueReady (section 4.2.2): the driver enabled the queue
 * @param descTableAddress guest-physical address of the descriptor table, QueueDesc (sections 2.7.5, 4.2.2)
 * @param availRingAddress guest-physical address of the available ring, QueueDriver (sections 2.7.6, 4.2.2)
 * @param usedRingAddress  guest-physical address of the used ring, QueueDevice (sections 2.7.8, 4.2.2)
 * @param eventIdx      whether VIRTIO_F_EVENT_IDX was negotiated (section 6): the device then reads used_event
 *                      (2.7.7) and writes avail_event (2.7.10) instead of the ring flags
 * @param nextAvail     the free-running 16-bit index of the next available ring entry the device will read: the
 *                      available ring's idx says how far the driver got (section 2.7.6), how far the device
 *                      consumed is the device's own to remember (and what it writes as avail_event, 2.7.10)
 * @param nextUsed      the free-running 16-bit index of the next used ring entry the device will write, the used
 *                      ring's idx as the device last published it (section 2.7.8); kept rather than read back, as
 *                      guest memory is the guest's to scribble on
 * @param signalledUsed {@code nextUsed} when the device last decided whether to notify: the "old" index of
 *                      the used_event test (section 2.7.7, vring_need_event), so that a notification suppressed
 *                      before the snapshot is not sent twice nor lost after it
 */
public record QueueState(int maxSize, int size, boolean ready, long descTableAddress, long availRingAddress,
                         long usedRingAddress, boolean eventIdx, int nextAvail, int nextUsed, int signalledUsed) {}
