package io.kvmj.virtio;

import io.kvmj.virtio.queue.QueueState;

import java.util.List;

/**
 * What a virtio-mmio transport keeps of a device for a snapshot (virtio 1.2 section 4.2.2, the register file),
 * beyond what lives in guest RAM: the registers the driver wrote and the device side of each queue. A device's
 * own state record carries it as its {@code transport} component ({@link VirtioDeviceState}); the device never
 * reads it.
 *
 * @param deviceType        the device ID the state was saved from (DeviceID, section 5)
 * @param status            the device status byte as the driver last saw it (Status, section 2.1), any bits the
 *                          driver wrote
 * @param driverFeatures    the features the driver accepted so far, 64 bits (DriverFeatures, section 2.2)
 * @param deviceFeaturesSel the feature window the driver last selected for reading (DeviceFeaturesSel)
 * @param driverFeaturesSel the feature window the driver last selected for writing (DriverFeaturesSel)
 * @param queueSel          the queue the driver last selected (QueueSel)
 * @param interruptStatus   the InterruptStatus bits not yet acknowledged: 1 used buffer, 2 configuration change
 * @param configGeneration  ConfigGeneration, counted up at each configuration change (section 2.5)
 * @param queues            the device side of each queue, in device order ({@link QueueState})
 */
public record TransportState(int deviceType, int status, long driverFeatures, int deviceFeaturesSel,
                             int driverFeaturesSel, int queueSel, int interruptStatus, int configGeneration,
                             List<QueueState> queues) {
}
