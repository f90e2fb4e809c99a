package io.kvmj.vmm;

/** Why a VM stopped. */
public sealed interface VmExitReason {
    /** The guest reset or powered off the machine: a clean end. */
    record Reset(String how) implements VmExitReason {
    }

    /** The guest wrote to the isa-debug-exit port; {@code status} is QEMU's (value << 1) | 1, truncated to 8 bits. */
    record DebugExit(int status) implements VmExitReason {
    }

    /** The VMM or the guest failed: a KVM error, an emulation failure, a triple fault. */
    record Failure(String reason) implements VmExitReason {
    }

    /** The host asked the VM to stop (Ctrl-C, an API call). */
    record Stopped(String why) implements VmExitReason {
    }
}
