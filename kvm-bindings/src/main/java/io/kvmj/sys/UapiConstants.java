package io.kvmj.sys;

/**
 * Linux x86_64 ABI numbers for sockets, timerfd, readv/writev and TUN/TAP that the generated {@code LibcHeaders} does not carry yet:
 * they were needed on a host without jextract to regenerate it. Values from glibc's and the kernel's headers:
 * {@code SYS_*} from asm/unistd_64.h (via sys/syscall.h); {@code AF_UNIX}, {@code SOCK_*}, {@code MSG_NOSIGNAL},
 * {@code SHUT_*} from sys/socket.h (bits/socket.h, bits/socket_type.h); {@code CLOCK_MONOTONIC} from time.h
 * (bits/time.h); {@code TFD_*} from sys/timerfd.h (bits/timerfd.h); {@code TUN*}, {@code IFF_*} and {@code TUN_F_*} from
 * linux/if_tun.h, {@code IFNAMSIZ} from linux/if.h; the errnos from errno.h
 * (asm-generic/errno-base.h, asm-generic/errno.h). The names are the C ones. Every one is listed in
 * {@code kvm-bindings/jextract/libc.includes} (with those headers in {@code libc.h}), so the next
 * {@code regenerate.sh} run puts them in {@code LibcHeaders}, and this class can then go.
 */
public final class UapiConstants {
    public static final int SYS_READV = 19;
    public static final int SYS_WRITEV = 20;
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

    /** Interface names are at most IFNAMSIZ - 1 bytes, NUL-terminated in struct ifreq's ifr_name. */
    public static final int IFNAMSIZ = 16;
    /** _IOW('T', 202, int): attach the fd to a TUN/TAP interface, creating it if absent. */
    public static final int TUNSETIFF = 0x400454ca;
    /** _IOW('T', 208, unsigned int): which offloads the reader of the fd can take (TUN_F_*). */
    public static final int TUNSETOFFLOAD = 0x400454d0;
    /** _IOW('T', 216, int): the size of the virtio-net header on each frame with IFF_VNET_HDR. */
    public static final int TUNSETVNETHDRSZ = 0x400454d8;
    public static final int IFF_TAP = 0x0002;
    public static final int IFF_NO_PI = 0x1000;
    public static final int IFF_VNET_HDR = 0x4000;
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_UFO = 0x10;

    public static final int EPIPE = 32;
    public static final int ECONNRESET = 104;
    public static final int ENOTCONN = 107;
    public static final int ECONNREFUSED = 111;

    private UapiConstants() {
    }
}
