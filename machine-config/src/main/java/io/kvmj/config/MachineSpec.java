package io.kvmj.config;

/** vCPUs and memory; {@code smt} is accepted for Firecracker compatibility. */
public record MachineSpec(int vcpuCount, long memSizeMib, boolean smt, boolean trackDirtyPages) {}
