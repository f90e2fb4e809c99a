/*
 * echo: reads one line from COM1 by polling the UART (no interrupts) and prints it back, proving that
 * host input reaches the guest. Params: max=N (bytes to read at most, default 64).
 * Prints "echo: <line>" and passes when a newline arrived within the byte limit.
 */
#include "kit.h"

const char guest_name[] = "echo";

#define COM1 0x3f8
#define UART_RBR 0
#define UART_LSR 5
#define LSR_DATA_READY 0x01

int guest_main(void)
{
    static char line[256];
    uint64_t max = param_u64("max", 64);
    if (max >= sizeof(line))
        max = sizeof(line) - 1;
    printf("echo: ready\n");
    size_t n = 0;
    bool newline = false;
    while (n < max) {
        while (!(inb(COM1 + UART_LSR) & LSR_DATA_READY))
            cpu_relax();
        char c = (char)inb(COM1 + UART_RBR);
        if (c == '\n' || c == '\r') {
            newline = true;
            break;
        }
        line[n++] = c;
    }
    line[n] = 0;
    printf("echo: %s\n", line);
    CHECK(newline, "line of %lu bytes ended by a newline", (unsigned long)n);
    return 0;
}
