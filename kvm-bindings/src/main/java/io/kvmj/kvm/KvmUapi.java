package io.kvmj.kvm;

/**
 * KVM ABI numbers the generated {@code KvmHeaders} does not carry yet (its headers predate them, and jextract is
 * needed to regenerate it). Values from the kernel's include/uapi/linux/kvm.h; the ioctl numbers are computed the
 * way its {@code _IOR} macro does. Each is listed in {@code kvm-bindings/jextract/kvm.includes}, so the next
 * {@code regenerate.sh} run puts it in {@code KvmHeaders}, and this class can then go.
 */
final class KvmUapi {
    /** KVM_CAP_XSAVE2 (Linux 5.17): KVM_CHECK_EXTENSION on a VM fd returns the vCPUs' XSAVE area size in bytes. */
    static final int KVM_CAP_XSAVE2 = 208;
    /** _IOR(KVMIO, 0xcf, struct kvm_xsave): the whole XSAVE area, of the size KVM_CAP_XSAVE2 gives. */
    static final long KVM_GET_XSAVE2 = ior(0xcf, 4096);

    private static final int KVMIO = 0xae;
    private static final long IOC_READ = 2;

    private KvmUapi() {
    }

    /** The kernel's _IOR(KVMIO, nr, a type of {@code size} bytes). */
    static long ior(int nr, int size) {
        return (IOC_READ << 30) | ((long) size << 16) | (KVMIO << 8) | nr;
    }
}
