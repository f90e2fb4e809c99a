package io.kvmj.config;

/**
 * vCPUs and memory. {@code smt}: two threads per core, as Firecracker's {@code smt} (the vCPU count is then 1 or
 * even); {@code trackDirtyPages} is accepted for Firecracker compatibility.
 */
public record MachineSpec(int vcpuCount, long memSizeMib, boolean smt, boolean trackDirtyPages) {}
