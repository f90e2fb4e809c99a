package io.kvmj.vmm.devices;

/** An edge-triggered interrupt input of the guest's interrupt controller, as a device sees it. */
@FunctionalInterface
public interface InterruptLine {
    void trigger();
}
