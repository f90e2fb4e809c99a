package io.kvmj.kvm;

/**
 * The VM's kvmclock (struct kvm_clock_data): {@code clock} is the guest's clock in nanoseconds, {@code flags} what
 * KVM said about it (KVM_CLOCK_TSC_STABLE and others).
 */
public record ClockData(long clock, int flags) {
}
