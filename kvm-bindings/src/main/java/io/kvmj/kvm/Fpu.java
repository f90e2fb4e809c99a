package io.kvmj.kvm;

import io.kvmj.kvm.gen.linux.kvm_fpu;

/**
 * A vCPU's x87 and SSE state as KVM_GET_FPU gives it: struct kvm_fpu as is (416 bytes, the x86_64 KVM ABI).
 *
 * @throws IllegalArgumentException {@code struct} is not 416 bytes
 */
public record Fpu(byte[] struct) {
    public static final long SIZE = kvm_fpu.sizeof();

    public Fpu {
        StructBytes.requireSize(struct, SIZE, "kvm_fpu");
    }
}
