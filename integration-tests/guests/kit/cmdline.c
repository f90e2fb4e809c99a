/* Command-line parameters: key=value lookup and virtio_mmio.device entries. */
#include "kit.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next whitespace-separated word at *p (advancing *p past it), or NULL at the end. */
static const char *next_token(const char **p, size_t *len)
{
    while (is_space(**p))
        (*p)++;
    if (!**p)
        return NULL;
    const char *tok = *p;
    while (**p && !is_space(**p))
        (*p)++;
    *len = (size_t)(*p - tok);
    return tok;
}

const char *cmdline_find(const char *cmdline, const char *key, size_t *len)
{
    size_t klen = strlen(key);
    const char *p = cmdline, *tok;
    size_t tlen;
    while ((tok = next_token(&p, &tlen)) != NULL) {
        if (tlen >= klen && strncmp(tok, key, klen) == 0) {
            if (tlen == klen) {
                if (len)
                    *len = 0;
                return tok + klen;
            }
            if (tok[klen] == '=') {
                if (len)
                    *len = tlen - klen - 1;
                return tok + klen + 1;
            }
        }
    }
    return NULL;
}

size_t parse_u64(const char *s, size_t len, uint64_t *out)
{
    size_t i = 0;
    uint64_t v = 0;
    unsigned base = 10;
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    size_t digits = 0;
    for (; i < len; i++, digits++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            break;
        v = v * base + d;
    }
    if (digits == 0)
        return 0;
    if (i < len) {
        switch (s[i]) {
        case 'k': case 'K': v <<= 10; i++; break;
        case 'm': case 'M': v <<= 20; i++; break;
        case 'g': case 'G': v <<= 30; i++; break;
        default: break;
        }
    }
    *out = v;
    return i;
}

uint64_t param_u64(const char *key, uint64_t def)
{
    size_t len;
    const char *v = cmdline_find(boot.cmdline, key, &len);
    uint64_t out;
    if (!v || len == 0 || parse_u64(v, len, &out) != len)
        return def;
    return out;
}

bool param_present(const char *key)
{
    return cmdline_find(boot.cmdline, key, NULL) != NULL;
}

/* virtio_mmio.device=<size>@<base>:<irq>[:<id>] (Linux syntax). */
int cmdline_virtio_mmio(const char *cmdline, struct virtio_mmio_dev *out, int max)
{
    static const char key[] = "virtio_mmio.device=";
    size_t klen = sizeof key - 1;
    int found = 0;
    const char *p = cmdline, *tok;
    size_t tlen;
    while ((tok = next_token(&p, &tlen)) != NULL) {
        if (tlen <= klen || strncmp(tok, key, klen) != 0)
            continue;
        const char *s = tok + klen;
        size_t rest = tlen - klen, n;
        uint64_t size, base, irq;
        if (!(n = parse_u64(s, rest, &size)) || n >= rest || s[n] != '@')
            continue;
        s += n + 1;
        rest -= n + 1;
        if (!(n = parse_u64(s, rest, &base)) || n >= rest || s[n] != ':')
            continue;
        s += n + 1;
        rest -= n + 1;
        if (!(n = parse_u64(s, rest, &irq)) || (n < rest && s[n] != ':'))
            continue;
        if (found < max) {
            out[found].size = size;
            out[found].base = base;
            out[found].irq = (uint32_t)irq;
        }
        found++;
    }
    return found;
}
