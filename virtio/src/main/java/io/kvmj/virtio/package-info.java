/**
 * Virtio devices, independent of the VM: the virtio-mmio transport ({@code mmio}), split virtqueues
 * ({@code queue}) and one package per device type ({@code block}, {@code net}, {@code rng}, {@code vsock}).
 *
 * <p>Snapshots: each virtio device is one {@link io.kvmj.vmm.snapshot.Snapshottable}, its
 * {@link io.kvmj.virtio.mmio.MmioTransport}, whose state is the device's own record (a
 * {@link io.kvmj.virtio.VirtioDeviceState}: {@code BlockState}, {@code NetState}, {@code VsockState}, or
 * {@link io.kvmj.virtio.TransportOnlyState} for a device with nothing of its own) carrying the transport's registers
 * and queues as a {@link io.kvmj.virtio.TransportState}, each queue a {@link io.kvmj.virtio.queue.QueueState}. All
 * are records of plain values. A device is saved with its VM paused, between two pieces of device work, so no
 * request is half done: what the device took from the available ring is in the used ring, in guest RAM. A restore
 * goes into a transport and device built afresh from the same configuration, over guest memory that holds the
 * saved RAM: the state is checked against them first (one-line {@link io.kvmj.vmm.snapshot.SnapshotException}
 * when it does not fit, nothing changed), a device whose driver had set DRIVER_OK is activated again as DRIVER_OK
 * does, and its pending work (buffers made available before the snapshot, an interrupt not yet acknowledged) runs
 * from the VM's event loop once it runs. What each device keeps, and what it does not (a TAP's queued frames, vsock
 * streams), is said on its state record.
 */
package io.kvmj.virtio;
