package io.kvmj.kvm;

/** An x86 segment register's visible selector and hidden descriptor cache (struct kvm_segment). */
public record Segment(long base, int limit, int selector, int type, boolean present, int dpl, boolean db,
                      boolean s, boolean l, boolean g) {
}
