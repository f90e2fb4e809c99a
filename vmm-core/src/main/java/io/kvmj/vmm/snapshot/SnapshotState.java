package io.kvmj.vmm.snapshot;

import java.util.List;

/** The content of a state file: the machine to rebuild, and the state of its VM, vCPUs and devices. */
public record SnapshotState(MachineDescription machine, VmState vm, List<VcpuState> vcpus,
                            List<DeviceState> devices) {
    public SnapshotState {
        vcpus = List.copyOf(vcpus);
        devices = List.copyOf(devices);
    }
}
