package io.kvmj.vmm.devices;

import io.kvmj.vmm.VmExitReason;

/** Lets a device end the VM (a reset request, a test exit port), without seeing the VM itself. */
@FunctionalInterface
public interface VmStopper {
    void requestStop(VmExitReason reason);
}
