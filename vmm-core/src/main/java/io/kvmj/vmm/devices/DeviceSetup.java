package io.kvmj.vmm.devices;

import io.kvmj.vmm.memory.GuestMemory;

/**
 * Attaches one MMIO device to a VM being built. Lets modules above vmm-core (virtio) add devices through the
 * same builder the CLI and the Java API use, without vmm-core knowing them. The device's window and interrupt
 * line are planned by {@link MachineLayout} from {@link #mmioRequest()} before KVM is opened.
 */
public interface DeviceSetup {
    /** The device's name for messages (e.g. {@code drive rootfs}) and the size of its register window. */
    MachineLayout.MmioRequest mmioRequest();

    /**
     * Checks, without KVM and before the VM is built, what {@link #attach} would refuse (a drive's image that
     * does not open, for example), with the same message; run by {@code kvmj validate} and before every build.
     *
     * @throws IllegalArgumentException naming the device and the problem
     */
    void check();

    /** Attaches the device in its planned window {@code slot}. */
    void attach(DeviceManager devices, DeviceManager.MmioSlot slot, GuestMemory memory);
}
