package io.kvmj.sys;

/**
 * Linux x86_64 ABI numbers for sockets and timerfd that the generated {@code LibcHeaders} does not carry yet:
 * they were needed on a host without jextract to regenerate it. Values from glibc's and the kernel's headers:
 * {@code SYS_*} from asm/unistd_64.h (via sys/syscall.h); {@code AF_UNIX}, {@code SOCK_*}, {@code MSG_NOSIGNAL},
 * {@code SHUT_*} from sys/socket.h (bits/socket.h, bits/socket_type.h); {@code CLOCK_MONOTONIC} from time.h
 * (bits/time.h); {@code TFD_*} from sys/timerfd.h (bits/timerfd.h); the errnos from errno.h
 * (asm-generic/errno-base.h, asm-generic/errno.h). The names are the C ones. Every one is listed in
 * {@code kvm-bindings/jextract/libc.includes} (with those headers in {@code libc.h}), so the next
 * {@code regenerate.sh} run puts them in {@code LibcHeaders}, and this class can then go.
 */
public final class UapiConstants {
    public static final int SYS_SOCKET = 41;
    public static final int SYS_CONNECT = 42;
    public static final int SYS_SENDTO = 44;
    public static final int SYS_SHUTDOWN = 48;
    public static final int SYS_BIND = 49;
    public static final int SYS_LISTEN = 50;
    public static final int SYS_UNLINKAT = 263;
    public static final int SYS_TIMERFD_CREATE = 283;
    public static final int SYS_TIMERFD_SETTIME = 286;
    public static final int SYS_ACCEPT4 = 288;

    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;

    public static final int CLOCK_MONOTONIC = 1;
    public static final int TFD_NONBLOCK = 0x800;
    public static final int TFD_CLOEXEC = 0x80000;

    public static final int EPIPE = 32;
    public static final int ECONNRESET = 104;
    public static final int ENOTCONN = 107;
    public static final int ECONNREFUSED = 111;

    private UapiConstants() {
    }
}
