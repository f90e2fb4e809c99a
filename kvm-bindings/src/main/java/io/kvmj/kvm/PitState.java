package io.kvmj.kvm;

import io.kvmj.kvm.gen.linux.kvm_pit_state2;

/**
 * The in-kernel i8254 timer's state (KVM_GET_PIT2): struct kvm_pit_state2 as is (its three channels and flags,
 * 112 bytes on x86_64).
 *
 * @throws IllegalArgumentException {@code struct} is not the size of kvm_pit_state2
 */
public record PitState(byte[] struct) {
    public static final long SIZE = kvm_pit_state2.sizeof();

    public PitState {
        StructBytes.requireSize(struct, SIZE, "kvm_pit_state2");
    }
}
