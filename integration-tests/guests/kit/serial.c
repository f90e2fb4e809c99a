/* COM1 16550 UART output and a tiny printf. */
#include "kit.h"

#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_DLL 0
#define UART_DLM 1
#define LSR_THRE 0x20
/* Give up waiting for THR empty after this many LSR reads (no UART present). */
#define THRE_SPIN_MAX 100000

static volatile uint32_t console_lock;

static void lock(void)
{
    uint32_t one = 1;
    for (;;) {
        uint32_t old = one;
        __asm__ volatile("xchgl %0, %1" : "+r"(old), "+m"(console_lock) : : "memory");
        if (old == 0)
            return;
        while (console_lock)
            cpu_relax();
    }
}

static void unlock(void)
{
    __asm__ volatile("" ::: "memory");
    console_lock = 0;
}

void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);        /* no interrupts */
    outb(COM1 + UART_LCR, 0x80);        /* DLAB */
    outb(COM1 + UART_DLL, 0x01);        /* 115200 baud */
    outb(COM1 + UART_DLM, 0x00);
    outb(COM1 + UART_LCR, 0x03);        /* 8N1 */
    outb(COM1 + UART_FCR, 0xc7);        /* FIFO on, clear, 14-byte trigger */
    outb(COM1 + UART_MCR, 0x03);        /* DTR | RTS */
}

void serial_putc(char c)
{
    for (int i = 0; i < THRE_SPIN_MAX; i++)
        if (inb(COM1 + UART_LSR) & LSR_THRE)
            break;
    outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
    lock();
    for (size_t i = 0; i < n; i++)
        serial_putc(s[i]);
    unlock();
}

void puts(const char *s)
{
    serial_write(s, strlen(s));
}

/* ---- formatting ---- */
struct out {
    char *buf;
    size_t size, pos;
};

static void emit(struct out *o, char c)
{
    if (o->pos + 1 < o->size)
        o->buf[o->pos] = c;
    o->pos++;
}

static void emit_num(struct out *o, uint64_t v, unsigned base, bool upper, bool neg, int width, char pad)
{
    char tmp[24];
    int n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int len = n + (neg ? 1 : 0);
    if (neg && pad == '0')
        emit(o, '-');
    for (; len < width; len++)
        emit(o, pad);
    if (neg && pad != '0')
        emit(o, '-');
    while (n)
        emit(o, tmp[--n]);
}

/* Supports %[-0][width][l|ll|z](d|i|u|x|X|p|s|c|%). */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(&o, *fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        bool left = false;
        int width = 0, lng = 0;
        for (;; fmt++) {
            if (*fmt == '0') pad = '0';
            else if (*fmt == '-') left = true;
            else break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'z') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, long) : va_arg(ap, int);
            emit_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, false, v < 0, width, pad);
            break;
        }
        case 'u':
            emit_num(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int), 10, false, false, width, pad);
            break;
        case 'x':
        case 'X':
            emit_num(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int), 16, *fmt == 'X', false, width, pad);
            break;
        case 'p':
            emit(&o, '0');
            emit(&o, 'x');
            emit_num(&o, (uint64_t)va_arg(ap, void *), 16, false, false, width, pad);
            break;
        case 'c':
            emit(&o, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int n = (int)strlen(s);
            if (!left)
                for (int i = n; i < width; i++) emit(&o, ' ');
            while (*s) emit(&o, *s++);
            if (left)
                for (int i = n; i < width; i++) emit(&o, ' ');
            break;
        }
        case '%':
            emit(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            emit(&o, '%');
            emit(&o, *fmt);
        }
    }
    if (size)
        buf[o.pos < size ? o.pos : size - 1] = '\0';
    return (int)o.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* Formats into a stack buffer, then writes it under the console lock, so lines from
 * several CPUs do not interleave. Output longer than 512 bytes is truncated. */
int printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    serial_write(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
    return n;
}
