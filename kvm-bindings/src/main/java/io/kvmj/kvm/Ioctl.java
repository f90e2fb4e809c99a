package io.kvmj.kvm;

import io.kvmj.sys.Libc;

import java.lang.foreign.MemorySegment;

/** ioctl on a KVM fd, with failures raised as {@link KvmException} naming the request. */
final class Ioctl {
    private Ioctl() {
    }

    static int call(int fd, long request, long arg, String name) {
        int r = Libc.ioctlRaw(fd, request, arg);
        if (r < 0) {
            throw new KvmException(name, -r);
        }
        return r;
    }

    static int call(int fd, long request, MemorySegment arg, String name) {
        return call(fd, request, arg.address(), name);
    }
}
