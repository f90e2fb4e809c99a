package io.kvmj.vmm;

/** Why a VM stopped. */
public sealed interface VmExitReason {
    /** The guest powered the machine off (or stopped its only way to run on): a clean end. */
    record PowerOff(String how) implements VmExitReason {
    }

    /** The guest asked for a reset (ACPI reset register, i8042, port 0xCF9, the reset vector's stub). */
    record Reset(String how) implements VmExitReason {
    }

    /**
     * A vCPU triple-faulted (KVM_EXIT_SHUTDOWN): the processor's shutdown, which a PC's chipset turns into a
     * reset (as QEMU does). A guest reset, but rarely a planned one: Linux does it on purpose only with
     * {@code reboot=t}, after its other restart methods failed.
     *
     * @param where the vCPU and its instruction pointer, e.g. {@code vCPU 0 at rip 0x1000}
     */
    record TripleFault(String where) implements VmExitReason {
    }

    /** The guest wrote to the isa-debug-exit port; {@code status} is QEMU's (value << 1) | 1, truncated to 8 bits. */
    record DebugExit(int status) implements VmExitReason {
    }

    /** The VMM or the guest failed: a KVM error, an emulation failure, a crash the guest reported. */
    record Failure(String reason) implements VmExitReason {
    }

    /** The host asked the VM to stop (Ctrl-C, an API call). */
    record Stopped(String why) implements VmExitReason {
    }
}
