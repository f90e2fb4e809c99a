package io.kvmj.kvm;

import io.kvmj.kvm.gen.linux.kvm_vcpu_events;

/**
 * What a vCPU has pending or in flight besides its registers (KVM_GET_VCPU_EVENTS): an exception or interrupt
 * being injected, NMI and SMI state, the interrupt shadow, with {@code flags} telling which parts are valid.
 * struct kvm_vcpu_events as is (64 bytes, the x86_64 KVM ABI), since KVM_SET_VCPU_EVENTS takes back exactly
 * what KVM_GET_VCPU_EVENTS gave.
 *
 * @throws IllegalArgumentException {@code struct} is not 64 bytes
 */
public record VcpuEvents(byte[] struct) {
    public static final long SIZE = kvm_vcpu_events.sizeof();

    public VcpuEvents {
        StructBytes.requireSize(struct, SIZE, "kvm_vcpu_events");
    }
}
