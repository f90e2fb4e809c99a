package io.kvmj.vmm.devices;

import io.kvmj.vmm.memory.GuestMemory;

/**
 * Attaches one device to a VM being built. Lets modules above vmm-core (virtio) add devices through the
 * same builder the CLI and the Java API use, without vmm-core knowing them.
 */
@FunctionalInterface
public interface DeviceSetup {
    void attach(DeviceManager devices, GuestMemory memory);
}
