package io.kvmj.config;

/** QEMU-compatible isa-debug-exit device: the guest writes to {@code iobase} to end the VM with a status. */
public record DebugExit(int iobase) {}
