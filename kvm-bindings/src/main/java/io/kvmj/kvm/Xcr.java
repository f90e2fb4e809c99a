package io.kvmj.kvm;

/** One extended control register (XCR0 is the only one so far) and its value (struct kvm_xcr). */
public record Xcr(int index, long value) {
}
