package io.kvmj.cli;

import io.kvmj.config.DriveConfig;
import io.kvmj.config.NetworkInterfaceConfig;
import io.kvmj.config.VmConfig;
import io.kvmj.virtio.block.CacheType;
import io.kvmj.virtio.mmio.VirtioMmioDevices;
import io.kvmj.vmm.devices.DeviceSetup;

import java.util.ArrayList;
import java.util.List;

/** The virtio devices a config asks for, in the order the guest will find them (the root drive first). */
final class VirtioSetups {
    private VirtioSetups() {
    }

    static List<DeviceSetup> of(VmConfig config) {
        List<DeviceSetup> setups = new ArrayList<>();
        for (DriveConfig d : RootDrive.attachOrder(config.drives())) {
            setups.add(VirtioMmioDevices.block("drive " + d.driveId(), d.path(), d.readOnly(), d.serial(),
                    d.directIo(), d.writeback() ? CacheType.WRITEBACK : CacheType.UNSAFE));
        }
        for (NetworkInterfaceConfig n : config.networkInterfaces()) {
            setups.add(VirtioMmioDevices.net("network interface " + n.ifaceId(), n.hostDevName(),
                    n.guestMac() == null ? null : n.guestMac().octets(), n.mtu()));
        }
        if (config.entropy() != null) {
            setups.add(VirtioMmioDevices.rng());
        }
        if (config.vsock() != null) {
            setups.add(VirtioMmioDevices.vsock(config.vsock().guestCid(), config.vsock().udsPath()));
        }
        return setups;
    }
}
