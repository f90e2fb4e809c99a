package io.kvmj.kvm;

/**
 * A vCPU's XSAVE area (x87, SSE, AVX and every further extended state component), as KVM_GET_XSAVE or
 * KVM_GET_XSAVE2 gives it: struct kvm_xsave's region, 4 KiB, or more when KVM_CAP_XSAVE2 says so (AMX).
 *
 * @throws IllegalArgumentException {@code area} is smaller than 4 KiB or not whole 32-bit words
 */
public record Xsave(byte[] area) {
    /** struct kvm_xsave without its flexible tail: what KVM_GET_XSAVE always fills. */
    public static final int LEGACY_SIZE = 4096;

    public Xsave {
        if (area == null || area.length < LEGACY_SIZE || area.length % Integer.BYTES != 0) {
            throw new IllegalArgumentException("an XSAVE area is at least " + LEGACY_SIZE
                    + " bytes of 32-bit words, not " + (area == null ? "missing" : area.length));
        }
    }
}
