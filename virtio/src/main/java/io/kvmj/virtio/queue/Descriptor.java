package io.kvmj.virtio.queue;

/**
 * One buffer of a descriptor chain, after indirect tables are expanded. Every descriptor a
 * {@link SplitQueue} hands out lies entirely inside guest RAM (checked when the chain was popped).
 *
 * @param address guest-physical address of the buffer
 * @param length length in bytes (the guest's 32-bit value; chains with a length of 2 GiB or more are rejected)
 * @param writable true when the device writes the buffer (VIRTQ_DESC_F_WRITE), false when it reads it
 */
public record Descriptor(long address, int length, boolean writable) {}
