package io.kvmj.virtio.queue;

import java.io.Serial;

/**
 * A guest-controlled virtqueue value that breaks the virtio rules: a ring outside guest RAM, a descriptor
 * chain that loops or points outside the queue or RAM, an avail index that jumped too far. The message is
 * one line naming the problem (and the descriptor index when there is one). The transport answers with
 * DEVICE_NEEDS_RESET; nothing outside guest RAM has been touched.
 */
public class VirtqueueException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    public VirtqueueException(String message) {
        super(message);
    }
}
