/*
 * stream_echo: a Linux user-space program for the vsock and network tests (static, runs from the test initramfs
 * and, as the peer, on the host). ADDR is vsock:PORT or tcp:PORT to serve, vsock:CID:PORT or tcp:A.B.C.D:PORT to
 * connect to.
 *
 *   stream_echo serve ADDR COUNT     listen on ADDR, accept COUNT streams and echo each in a child of its own (so
 *                                    several run at once); exit 0 once every child has ended. Prints
 *                                    local_cid=N (vsock), listening=ADDR, then stream=BYTES END per stream (END is
 *                                    eof, or the errno name that ended it) and served=COUNT.
 *   stream_echo connect ADDR N       connect to ADDR, send N bytes of the pattern below, shut down writing and
 *                                    expect the same N bytes back, then end of stream. Prints
 *                                    connect=ok sent=N received=N, or connect=failed and why; exit 0 only on ok.
 *
 * The pattern is xorshift32 from 0x2545f491, one byte (the low one) per step; the host side computes the same.
 * Output lines are key=value for the test to read from the console.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/vm_sockets.h>

#define CHUNK 65536

static uint32_t pattern_state;

static uint8_t pattern_next(void)
{
    uint32_t x = pattern_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    pattern_state = x;
    return (uint8_t)x;
}

static int parse_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || *s == '\0' || *end != '\0' || v > 0xffffffffUL)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* A parsed ADDR: a socket address of either family. */
struct address {
    int family;
    union {
        struct sockaddr_vm vm;
        struct sockaddr_in in;
    } u;
    socklen_t len;
};

/* vsock:PORT / tcp:PORT (serving: any address) or vsock:CID:PORT / tcp:A.B.C.D:PORT (connecting). */
static int parse_address(const char *text, bool serving, struct address *a)
{
    memset(a, 0, sizeof(*a));
    char host[64];
    uint32_t cid = VMADDR_CID_ANY, port;
    const char *rest;
    if (!strncmp(text, "vsock:", 6)) {
        rest = text + 6;
        a->family = AF_VSOCK;
    } else if (!strncmp(text, "tcp:", 4)) {
        rest = text + 4;
        a->family = AF_INET;
    } else {
        return -1;
    }
    const char *colon = strrchr(rest, ':');
    if (serving != !colon)
        return -1;
    if (colon) {
        size_t n = (size_t)(colon - rest);
        if (n >= sizeof(host))
            return -1;
        memcpy(host, rest, n);
        host[n] = '\0';
        rest = colon + 1;
    }
    if (parse_u32(rest, &port))
        return -1;
    if (a->family == AF_VSOCK) {
        if (colon && parse_u32(host, &cid))
            return -1;
        a->u.vm.svm_family = AF_VSOCK;
        a->u.vm.svm_cid = cid;
        a->u.vm.svm_port = port;
        a->len = sizeof(a->u.vm);
        return 0;
    }
    if (port > 65535)
        return -1;
    a->u.in.sin_family = AF_INET;
    a->u.in.sin_port = htons((uint16_t)port);
    a->u.in.sin_addr.s_addr = htonl(INADDR_ANY);
    if (colon && inet_pton(AF_INET, host, &a->u.in.sin_addr) != 1)
        return -1;
    a->len = sizeof(a->u.in);
    return 0;
}

/* Echoes one stream until its end; returns the bytes echoed and sets *why to 0 (eof) or the errno. */
static long echo(int fd, int *why)
{
    static char buf[CHUNK];
    long total = 0;
    *why = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n == 0)
            return total;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            *why = errno;
            return total;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = send(fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                *why = errno;
                return total + off;
            }
            off += w;
        }
        total += n;
    }
}

static int serve(const char *text, const struct address *a, uint32_t count)
{
    if (a->family == AF_VSOCK) {
        int dev = open("/dev/vsock", O_RDONLY);
        unsigned int cid = 0;
        if (dev >= 0 && ioctl(dev, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid) == 0)
            printf("local_cid=%u\n", cid);
        else
            printf("local_cid=unknown (%s)\n", strerror(errno));
        if (dev >= 0)
            close(dev);
    }

    int s = socket(a->family, SOCK_STREAM, 0);
    int one = 1;
    if (s >= 0 && a->family == AF_INET)
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (s < 0 || bind(s, (const struct sockaddr *)&a->u, a->len) < 0 || listen(s, 16) < 0) {
        printf("listening=failed (%s)\n", strerror(errno));
        return 1;
    }
    printf("listening=%s\n", text);
    fflush(stdout);

    int failed = 0;
    for (uint32_t served = 0; served < count; served++) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            printf("accept=failed (%s)\n", strerror(errno));
            return 1;
        }
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            close(s);
            int why;
            long n = echo(c, &why);
            printf("stream=%ld %s\n", n, why ? strerrorname_np(why) : "eof");
            fflush(stdout);
            _exit(0);
        }
        if (pid < 0) {
            printf("fork=failed (%s)\n", strerror(errno));
            return 1;
        }
        close(c);
    }
    int status;
    while (wait(&status) > 0)
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed = 1;
    printf("served=%u\n", count);
    return failed;
}

static int connect_out(const struct address *a, uint32_t bytes)
{
    int s = socket(a->family, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (const struct sockaddr *)&a->u, a->len) < 0) {
        printf("connect=failed (connect: %s)\n", strerror(errno));
        return 1;
    }
    static uint8_t buf[CHUNK];
    pattern_state = 0x2545f491;
    for (uint32_t sent = 0; sent < bytes;) {
        uint32_t n = bytes - sent < CHUNK ? bytes - sent : CHUNK;
        for (uint32_t i = 0; i < n; i++)
            buf[i] = pattern_next();
        for (uint32_t off = 0; off < n;) {
            ssize_t w = send(s, buf + off, n - off, MSG_NOSIGNAL);
            if (w < 0) {
                printf("connect=failed (send after %u bytes: %s)\n", sent + off, strerror(errno));
                return 1;
            }
            off += (uint32_t)w;
        }
        sent += n;
    }
    shutdown(s, SHUT_WR);
    pattern_state = 0x2545f491;
    uint32_t received = 0;
    for (;;) {
        ssize_t n = read(s, buf, sizeof(buf));
        if (n == 0)
            break;
        if (n < 0) {
            printf("connect=failed (read after %u bytes: %s)\n", received, strerror(errno));
            return 1;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (received + i >= bytes || buf[i] != pattern_next()) {
                printf("connect=failed (byte %ld differs)\n", (long)(received + i));
                return 1;
            }
        }
        received += (uint32_t)n;
    }
    close(s);
    if (received != bytes) {
        printf("connect=failed (received %u of %u bytes)\n", received, bytes);
        return 1;
    }
    printf("connect=ok sent=%u received=%u\n", bytes, received);
    return 0;
}

int main(int argc, char **argv)
{
    struct address a;
    uint32_t n;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && !strcmp(argv[1], "serve") && !parse_address(argv[2], true, &a) && !parse_u32(argv[3], &n))
        return serve(argv[2], &a, n);
    if (argc == 4 && !strcmp(argv[1], "connect") && !parse_address(argv[2], false, &a) && !parse_u32(argv[3], &n))
        return connect_out(&a, n);
    fprintf(stderr, "usage: stream_echo serve vsock:PORT|tcp:PORT COUNT\n"
                    "       stream_echo connect vsock:CID:PORT|tcp:A.B.C.D:PORT BYTES\n");
    return 2;
}
