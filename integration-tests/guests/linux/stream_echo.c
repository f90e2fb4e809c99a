/*
 * stream_echo: a Linux user-space program for the vsock and network tests and benchmarks (static: runs from the
 * test initramfs and, as the peer, on the host). ADDR, to serve: vsock:PORT, tcp:PORT, udp:PORT, unix:PATH; to
 * connect to: vsock:CID:PORT, tcp:A.B.C.D:PORT, udp:A.B.C.D:PORT, unix:PATH, or fc:PATH:PORT (Firecracker's
 * hybrid vsock: connect to the Unix socket PATH, send "CONNECT PORT\n", expect "OK ...\n").
 *
 *   stream_echo serve ADDR COUNT     listen on ADDR, accept COUNT streams and echo each in a child of its own (so
 *                                    several run at once); exit 0 once every child has ended. Prints
 *                                    local_cid=N (vsock), listening=ADDR, then stream=BYTES END per stream (END is
 *                                    eof, or the errno name that ended it) and served=COUNT.
 *   stream_echo connect ADDR N       connect to ADDR, send N bytes of the pattern below and shut down writing
 *                                    while reading the same N bytes back, then end of stream. Prints
 *                                    connect=ok sent=N received=N, or connect=failed and why; exit 0 only on ok.
 *   stream_echo sink ADDR            accept one stream, read it to its end; prints sink=BYTES mbps=M (from accept
 *                                    to end of stream).
 *   stream_echo source ADDR N        connect, send N bytes, shut down writing, wait for the peer's end of stream
 *                                    (it has read everything); prints source=N mbps=M (from connect to then).
 *   stream_echo blast ADDR SIZE N    send N datagrams of SIZE bytes to a udp ADDR as fast as it can; prints
 *                                    blast=N pps=P.
 *   stream_echo count ADDR           receive datagrams on a udp ADDR until none came for a second (after the
 *                                    first); prints count=N pps=P (first to last datagram).
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
#include <sys/un.h>
#include <time.h>
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

/* A parsed ADDR: a socket address of any family, and Firecracker's CONNECT port for fc:. */
struct address {
    int family;
    int type;
    union {
        struct sockaddr_vm vm;
        struct sockaddr_in in;
        struct sockaddr_un un;
    } u;
    socklen_t len;
    bool fc;
    uint32_t fc_port;
};

/* Splits "HOST:PORT" at its last colon; HOST is then empty for "PORT". */
static int split_port(const char *rest, char *host, size_t host_size, uint32_t *port)
{
    const char *colon = strrchr(rest, ':');
    size_t n = colon ? (size_t)(colon - rest) : 0;
    if (n >= host_size)
        return -1;
    memcpy(host, rest, n);
    host[n] = '\0';
    return parse_u32(colon ? colon + 1 : rest, port);
}

static int parse_address(const char *text, bool serving, struct address *a)
{
    memset(a, 0, sizeof(*a));
    char host[108];
    uint32_t port;
    a->type = SOCK_STREAM;
    if (!strncmp(text, "unix:", 5) || (!serving && !strncmp(text, "fc:", 3))) {
        a->fc = text[0] == 'f';
        const char *path = strchr(text, ':') + 1;
        if (a->fc) {
            if (split_port(path, host, sizeof(host), &a->fc_port) || !host[0])
                return -1;
            path = host;
        }
        if (strlen(path) == 0 || strlen(path) >= sizeof(a->u.un.sun_path))
            return -1;
        a->family = AF_UNIX;
        a->u.un.sun_family = AF_UNIX;
        strcpy(a->u.un.sun_path, path);
        a->len = sizeof(a->u.un);
        return 0;
    }
    const char *rest;
    if (!strncmp(text, "vsock:", 6)) {
        rest = text + 6;
        a->family = AF_VSOCK;
    } else if (!strncmp(text, "tcp:", 4) || !strncmp(text, "udp:", 4)) {
        rest = text + 4;
        a->family = AF_INET;
        a->type = text[0] == 'u' ? SOCK_DGRAM : SOCK_STREAM;
    } else {
        return -1;
    }
    if (split_port(rest, host, sizeof(host), &port) || serving != !host[0])
        return -1;
    if (a->family == AF_VSOCK) {
        uint32_t cid = VMADDR_CID_ANY;
        if (host[0] && parse_u32(host, &cid))
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
    if (host[0] && inet_pton(AF_INET, host, &a->u.in.sin_addr) != 1)
        return -1;
    a->len = sizeof(a->u.in);
    return 0;
}

/* A bound socket (listening, for streams); -1 with errno. */
static int listen_on(const struct address *a)
{
    int s = socket(a->family, a->type, 0);
    int one = 1;
    if (s >= 0 && a->family == AF_INET)
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (s < 0 || bind(s, (const struct sockaddr *)&a->u, a->len) < 0
        || (a->type == SOCK_STREAM && listen(s, 16) < 0))
        return -1;
    return s;
}

/* A connected socket, past Firecracker's handshake for fc:; -1 with errno (EPROTO: no OK line). */
static int dial(const struct address *a)
{
    int s = socket(a->family, a->type, 0);
    if (s < 0 || connect(s, (const struct sockaddr *)&a->u, a->len) < 0)
        return -1;
    if (a->fc) {
        char line[32];
        int n = snprintf(line, sizeof(line), "CONNECT %u\n", a->fc_port);
        if (write(s, line, (size_t)n) != n)
            return -1;
        /* byte by byte: what follows the newline is the stream */
        size_t got = 0;
        while (got < sizeof(line) - 1 && read(s, line + got, 1) == 1 && line[got] != '\n')
            got++;
        if (got < 3 || strncmp(line, "OK ", 3) || line[got] != '\n') {
            errno = EPROTO;
            return -1;
        }
    }
    return s;
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
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

    int s = listen_on(a);
    if (s < 0) {
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
    int s = dial(a);
    if (s < 0) {
        printf("connect=failed (connect: %s)\n", strerror(errno));
        return 1;
    }
    static uint8_t buf[CHUNK];
    /* A child sends while this process reads the echo: sending it all before reading would deadlock an echo
     * server once the stream outgrows the socket buffers of both ends. */
    pid_t sender = fork();
    if (sender < 0) {
        printf("connect=failed (fork: %s)\n", strerror(errno));
        return 1;
    }
    if (sender == 0) {
        pattern_state = 0x2545f491;
        for (uint32_t sent = 0; sent < bytes;) {
            uint32_t n = bytes - sent < CHUNK ? bytes - sent : CHUNK;
            for (uint32_t i = 0; i < n; i++)
                buf[i] = pattern_next();
            for (uint32_t off = 0; off < n;) {
                ssize_t w = send(s, buf + off, n - off, MSG_NOSIGNAL);
                if (w < 0) {
                    printf("connect=failed (send after %u bytes: %s)\n", sent + off, strerror(errno));
                    _exit(1);
                }
                off += (uint32_t)w;
            }
            sent += n;
        }
        shutdown(s, SHUT_WR);
        _exit(0);
    }
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
    int status;
    if (waitpid(sender, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return 1;   /* the sender said why */
    if (received != bytes) {
        printf("connect=failed (received %u of %u bytes)\n", received, bytes);
        return 1;
    }
    printf("connect=ok sent=%u received=%u\n", bytes, received);
    return 0;
}

static int sink(const struct address *a)
{
    int s = listen_on(a);
    int c = s < 0 ? -1 : accept(s, NULL, NULL);
    if (c < 0) {
        printf("sink=failed (%s)\n", strerror(errno));
        return 1;
    }
    static char buf[CHUNK];
    double start = now_seconds();
    uint64_t total = 0;
    for (ssize_t n; (n = read(c, buf, sizeof(buf))) != 0; total += (uint64_t)(n > 0 ? n : 0)) {
        if (n < 0 && errno != EINTR) {
            printf("sink=failed (read after %lu bytes: %s)\n", (unsigned long)total, strerror(errno));
            return 1;
        }
    }
    double seconds = now_seconds() - start;
    close(c);
    printf("sink=%lu mbps=%.1f\n", (unsigned long)total, total * 8 / seconds / 1e6);
    return 0;
}

static int source(const struct address *a, uint32_t bytes)
{
    double start = now_seconds();
    int s = dial(a);
    if (s < 0) {
        printf("source=failed (connect: %s)\n", strerror(errno));
        return 1;
    }
    static char buf[CHUNK];
    for (uint32_t sent = 0; sent < bytes;) {
        size_t n = bytes - sent < CHUNK ? bytes - sent : CHUNK;
        ssize_t w = send(s, buf, n, MSG_NOSIGNAL);
        if (w < 0 && errno != EINTR) {
            printf("source=failed (send after %u bytes: %s)\n", sent, strerror(errno));
            return 1;
        }
        sent += (uint32_t)(w > 0 ? w : 0);
    }
    shutdown(s, SHUT_WR);
    while (read(s, buf, sizeof(buf)) > 0) {
        /* the peer ends its side once it has read everything */
    }
    double seconds = now_seconds() - start;
    printf("source=%u mbps=%.1f\n", bytes, bytes * 8.0 / seconds / 1e6);
    return 0;
}

static int blast(const struct address *a, uint32_t size, uint32_t count)
{
    static char buf[CHUNK];
    int s = a->type == SOCK_DGRAM && size <= sizeof(buf) ? dial(a) : -1;
    if (s < 0) {
        printf("blast=failed (%s)\n", strerror(errno));
        return 1;
    }
    double start = now_seconds();
    uint32_t sent = 0;
    while (sent < count) {
        if (send(s, buf, size, 0) == (ssize_t)size)
            sent++;
        else if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED) {
            printf("blast=failed (after %u: %s)\n", sent, strerror(errno));
            return 1;
        }
    }
    printf("blast=%u pps=%.0f\n", sent, sent / (now_seconds() - start));
    return 0;
}

static int count_datagrams(const struct address *a)
{
    int s = a->type == SOCK_DGRAM ? listen_on(a) : -1;
    if (s < 0) {
        printf("count=failed (%s)\n", strerror(errno));
        return 1;
    }
    static char buf[CHUNK];
    uint64_t n = 0;
    double first = 0, last = 0;
    struct timeval idle = {1, 0};
    for (;;) {
        ssize_t r = recv(s, buf, sizeof(buf), 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;      /* idle for a second */
        last = now_seconds();
        if (n++ == 0) {
            first = last;
            setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
        }
    }
    printf("count=%lu pps=%.0f\n", (unsigned long)n, n > 1 ? (n - 1) / (last - first) : 0.0);
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
    if (argc == 3 && !strcmp(argv[1], "sink") && !parse_address(argv[2], true, &a))
        return sink(&a);
    if (argc == 4 && !strcmp(argv[1], "source") && !parse_address(argv[2], false, &a) && !parse_u32(argv[3], &n))
        return source(&a, n);
    uint32_t size;
    if (argc == 5 && !strcmp(argv[1], "blast") && !parse_address(argv[2], false, &a) && !parse_u32(argv[3], &size)
        && !parse_u32(argv[4], &n))
        return blast(&a, size, n);
    if (argc == 3 && !strcmp(argv[1], "count") && !parse_address(argv[2], true, &a))
        return count_datagrams(&a);
    fprintf(stderr, "usage: stream_echo serve ADDR COUNT | connect ADDR BYTES | sink ADDR | source ADDR BYTES\n"
                    "       stream_echo blast udp:A.B.C.D:PORT SIZE COUNT | count udp:PORT\n"
                    "ADDR: vsock:[CID:]PORT, tcp:[A.B.C.D:]PORT, unix:PATH, fc:PATH:PORT (connect only)\n");
    return 2;
}
