package io.kvmj.virtio.vsock;

import io.kvmj.virtio.TransportState;
import io.kvmj.virtio.VirtioDeviceState;

/**
 * A virtio-vsock device's snapshot state. Streams are not in it: their host ends are sockets of this process,
 * which a restored VM (another process, later, elsewhere) does not have. As in Firecracker, the restored device
 * starts with no streams and tells the driver with a VIRTIO_VSOCK_EVENT_TRANSPORT_RESET event (virtio 1.2
 * section 5.10.6, Device Events): the driver then drops its established streams and reads the guest CID again;
 * its listening sockets stay. The Unix socket path comes from the configuration (a restored VM beside its still
 * running original needs another one). Where Firecracker writes the event into guest memory while saving (so the
 * original, if resumed, loses its streams too), kvmj sends it from the restored device only: saving changes
 * nothing, and the event goes in the driver's next event buffer, or waits for one.
 *
 * @param transport the transport's registers and queues
 * @param guestCid  the guest's CID (virtio_vsock_config.guest_cid, section 5.10.4), kept to refuse a configuration
 *                  with another one
 */
public record VsockState(TransportState transport, long guestCid) implements VirtioDeviceState {
}
