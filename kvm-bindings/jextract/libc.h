/*
 * Umbrella header for jextract: the glibc / Linux UAPI headers whose functions, structs and
 * constants kvmj calls through FFM. regenerate.sh runs jextract on this file with -D_GNU_SOURCE
 * (filtered by libc.includes) to produce io.kvmj.kvm.gen.libc.LibcHeaders. Not compiled into anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>
#include <signal.h>
#include <pthread.h>
#include <poll.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <time.h>
#include <linux/falloc.h>
#include <sys/syscall.h>
