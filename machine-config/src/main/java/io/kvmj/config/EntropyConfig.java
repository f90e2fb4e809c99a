package io.kvmj.config;

/** A virtio-rng device (Firecracker's {@code entropy} section); it has no settings kvmj supports yet. */
public record EntropyConfig() {}
