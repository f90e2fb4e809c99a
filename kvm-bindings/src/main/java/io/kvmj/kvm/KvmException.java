package io.kvmj.kvm;

import io.kvmj.sys.SyscallException;

/** A KVM ioctl that failed: names the ioctl (e.g. KVM_CREATE_VCPU) and the errno. */
public class KvmException extends SyscallException {
    public KvmException(String ioctl, int errno) {
        super(ioctl, errno);
    }
}
