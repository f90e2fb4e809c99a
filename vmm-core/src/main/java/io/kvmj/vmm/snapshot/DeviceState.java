package io.kvmj.vmm.snapshot;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One device's saved state in a state file.
 *
 * @param id     where the device sits ({@link io.kvmj.vmm.devices.DeviceManager.Attached#id}), which finds it again
 *               in the restored machine
 * @param device the device's name, for messages
 * @param state  its {@link Snapshottable} state record as JSON, read back as the restored device's
 *               {@link Snapshottable#stateType()}
 */
public record DeviceState(String id, String device, JsonNode state) {
}
