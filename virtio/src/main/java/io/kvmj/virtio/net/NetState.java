package io.kvmj.virtio.net;

import io.kvmj.virtio.TransportState;
import io.kvmj.virtio.VirtioDeviceState;

/**
 * A virtio-net device's snapshot state. The TAP is not in it: the rebuilt device opens its TAP from the
 * configuration, and when the device resumes it sets on that TAP the offloads the driver negotiated (they follow
 * from the negotiated features in {@code transport}, virtio 1.2 section 5.1.6.4). The MAC and MTU come from the
 * configuration too and are kept here only to refuse a configuration that would show the guest others.
 * In flight: a transmitted frame is handed to the TAP within one piece of device work (or given back to the
 * available ring when the TAP is full, to be sent again after the restore); a received frame read from the TAP
 * and waiting for receive buffers is kept as {@code rxFrame} and delivered by the restored device, so no frame
 * the host handed over is lost. Frames still queued in the old TAP are the host network's and are not saved.
 *
 * @param transport the transport's registers and queues
 * @param mac       the MAC address offered to the driver (virtio_net_config.mac, section 5.1.4), 6 bytes, or null
 *                  when none was (no VIRTIO_NET_F_MAC)
 * @param mtu       the MTU advised to the driver (virtio_net_config.mtu), bytes, or 0 for none
 * @param rxFrame   the received frame waiting for receive buffers, its virtio_net_hdr_v1 first; empty when none
 */
public record NetState(TransportState transport, byte[] mac, int mtu, byte[] rxFrame) implements VirtioDeviceState {
}
