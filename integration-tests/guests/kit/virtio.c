/* Minimal virtio-mmio (version 2) driver core: discovery, initialization, split virtqueues. */
#include "virtio.h"

/* ---------------------------------------------------------------- DMA memory */

static uint64_t dma_next;

static const struct hvm_memmap_entry *ram_entry_at(uint64_t p)
{
    for (uint32_t i = 0; i < boot.memmap_entries; i++) {
        const struct hvm_memmap_entry *e = &boot.memmap[i];
        if (e->type == MEMMAP_RAM && p >= e->addr && p < e->addr + e->size)
            return e;
    }
    return NULL;
}

void *dma_alloc(size_t size, size_t align)
{
    if (!dma_next)
        dma_next = (uint64_t)__image_end;
    if (align == 0)
        align = 1;
    uint64_t p = (dma_next + align - 1) & ~(uint64_t)(align - 1);
    for (uint32_t tries = 0; tries <= boot.memmap_entries; tries++) {
        const struct hvm_memmap_entry *e = ram_entry_at(p);
        if (e && p + size <= e->addr + e->size && p + size <= boot.mapped_limit) {
            dma_next = p + size;
            return (void *)p;
        }
        /* Next RAM entry starting above p. */
        uint64_t next = ~0UL;
        for (uint32_t i = 0; i < boot.memmap_entries; i++) {
            const struct hvm_memmap_entry *r = &boot.memmap[i];
            if (r->type == MEMMAP_RAM && r->size && r->addr > p && r->addr < next)
                next = r->addr;
        }
        if (next == ~0UL)
            return NULL;
        p = (next + align - 1) & ~(uint64_t)(align - 1);
    }
    return NULL;
}

void *dma_zalloc(size_t size, size_t align)
{
    void *p = dma_alloc(size, align);
    if (p)
        memset(p, 0, size);
    return p;
}

/* ---------------------------------------------------------------- devices */

bool virtio_find(uint32_t device_id, int nth, struct virtio_dev *out, bool quiet)
{
    struct virtio_mmio_dev devs[32];
    int n = cmdline_virtio_mmio(boot.cmdline, devs, 32);
    if (n > 32)
        n = 32;
    int seen = 0;
    for (int i = 0; i < n; i++) {
        const struct virtio_mmio_dev *m = &devs[i];
        if (m->size < VIRTIO_MMIO_CONFIG || (m->base & 3)) {
            if (!quiet)
                printf("virtio-mmio: base=0x%lx size=0x%lx: window too small or unaligned, skipped\n", m->base,
                       m->size);
            continue;
        }
        if (m->base + m->size > boot.mapped_limit)
            map_identity(m->base + m->size);
        if (m->base + m->size > boot.mapped_limit) {
            if (!quiet)
                printf("virtio-mmio: base=0x%lx beyond the identity map (0x%lx), skipped\n", m->base,
                       boot.mapped_limit);
            continue;
        }
        struct virtio_dev d;
        memset(&d, 0, sizeof d);
        d.base = m->base;
        d.size = m->size;
        d.irq = m->irq;
        /* 4.2.3.1.1: MagicValue and Version first; DeviceID 0 means stop touching it. */
        uint32_t magic = vio_read(&d, VIRTIO_MMIO_MAGIC);
        if (magic != VIRTIO_MMIO_MAGIC_VALUE) {
            if (!quiet)
                printf("virtio-mmio: base=0x%lx magic=0x%x (not 0x%x), skipped\n", d.base, magic,
                       VIRTIO_MMIO_MAGIC_VALUE);
            continue;
        }
        d.version = vio_read(&d, VIRTIO_MMIO_VERSION);
        if (d.version != 2) {
            if (!quiet)
                printf("virtio-mmio: base=0x%lx version=%u (only 2 is supported; QEMU needs "
                       "-global virtio-mmio.force-legacy=false), skipped\n",
                       d.base, d.version);
            continue;
        }
        d.device_id = vio_read(&d, VIRTIO_MMIO_DEVICE_ID);
        if (d.device_id == 0)
            continue;
        d.vendor_id = vio_read(&d, VIRTIO_MMIO_VENDOR_ID);
        if (!quiet)
            printf("virtio-mmio: base=0x%lx size=0x%lx irq=%u version=%u device_id=%u vendor=0x%x\n", d.base,
                   d.size, d.irq, d.version, d.device_id, d.vendor_id);
        if (d.device_id == device_id && seen++ == nth) {
            *out = d;
            return true;
        }
    }
    return false;
}

bool virtio_reset(struct virtio_dev *d)
{
    vio_write(d, VIRTIO_MMIO_STATUS, 0);
    d->drv_status = 0;
    d->accepted = 0;
    /* 2.4.2 / 4.2.3: the reset is complete when Status reads back 0. */
    for (int i = 0; i < 100000; i++)
        if (vio_read(d, VIRTIO_MMIO_STATUS) == 0)
            return true;
    return false;
}

void virtio_set_status(struct virtio_dev *d, uint32_t bits)
{
    d->drv_status |= bits;
    vio_write(d, VIRTIO_MMIO_STATUS, d->drv_status);
}

bool virtio_negotiate(struct virtio_dev *d, uint64_t wanted)
{
    if (!virtio_reset(d)) {
        printf("virtio: base=0x%lx: Status did not read 0 after reset\n", d->base);
        return false;
    }
    virtio_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_set_status(d, VIRTIO_STATUS_DRIVER);
    vio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t lo = vio_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
    vio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    uint64_t hi = vio_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
    d->offered = (hi << 32) | lo;
    if (!(d->offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
        printf("virtio: base=0x%lx: VIRTIO_F_VERSION_1 not offered (features 0x%lx)\n", d->base, d->offered);
        virtio_set_status(d, VIRTIO_STATUS_FAILED);
        return false;
    }
    uint64_t acc = d->offered & (wanted | VIRTIO_BIT(VIRTIO_F_VERSION_1));
    vio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    vio_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)acc);
    vio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    vio_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(acc >> 32));
    d->accepted = acc;
    virtio_set_status(d, VIRTIO_STATUS_FEATURES_OK);
    uint32_t s = virtio_status(d);
    if (!(s & VIRTIO_STATUS_FEATURES_OK)) {
        printf("virtio: base=0x%lx: FEATURES_OK not kept (status 0x%x, accepted 0x%lx)\n", d->base, s, acc);
        virtio_set_status(d, VIRTIO_STATUS_FAILED);
        return false;
    }
    return true;
}

uint32_t virtio_ack_interrupts(struct virtio_dev *d)
{
    uint32_t s = vio_read(d, VIRTIO_MMIO_INTERRUPT_STATUS) & (VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
    if (s)
        vio_write(d, VIRTIO_MMIO_INTERRUPT_ACK, s);
    return s;
}

uint8_t virtio_cfg8(const struct virtio_dev *d, uint32_t off)
{
    return *(volatile uint8_t *)(d->base + VIRTIO_MMIO_CONFIG + off);
}

uint16_t virtio_cfg16(const struct virtio_dev *d, uint32_t off)
{
    return *(volatile uint16_t *)(d->base + VIRTIO_MMIO_CONFIG + off);
}

uint32_t virtio_cfg32(const struct virtio_dev *d, uint32_t off)
{
    return vio_read(d, VIRTIO_MMIO_CONFIG + off);
}

uint64_t virtio_cfg64(const struct virtio_dev *d, uint32_t off)
{
    uint64_t v = 0;
    for (int tries = 0; tries < 16; tries++) {
        uint32_t gen = vio_read(d, VIRTIO_MMIO_CONFIG_GENERATION);
        uint64_t lo = vio_read(d, VIRTIO_MMIO_CONFIG + off);
        uint64_t hi = vio_read(d, VIRTIO_MMIO_CONFIG + off + 4);
        v = (hi << 32) | lo;
        if (vio_read(d, VIRTIO_MMIO_CONFIG_GENERATION) == gen)
            break;
    }
    return v;
}

/* ---------------------------------------------------------------- virtqueues */

static inline volatile uint16_t *used_event_p(struct virtq *vq) { return &vq->avail->ring[vq->size]; }
static inline volatile uint16_t *avail_event_p(struct virtq *vq)
{
    return (volatile uint16_t *)&vq->used->ring[vq->size];
}

#define ALIGN4K(x) (((x) + 4095UL) & ~4095UL)

static bool virtq_alloc(struct virtq *vq, uint16_t size)
{
    size_t need = ALIGN4K(VIRTQ_DESC_BYTES(size)) + ALIGN4K(VIRTQ_AVAIL_BYTES(size) + 2) +
                  ALIGN4K(VIRTQ_USED_BYTES(size) + 2) + ALIGN4K((size_t)size * VIRTQ_IND_MAX * 16);
    if (!vq->mem || vq->mem_size < need) {
        vq->mem = dma_alloc(need, 4096);
        vq->mem_size = vq->mem ? need : 0;
        if (!vq->mem)
            return false;
    }
    uint8_t *p = vq->mem;
    memset(p, 0, need);
    vq->desc = (volatile struct virtq_desc *)p;
    p += ALIGN4K(VIRTQ_DESC_BYTES(size));
    vq->avail = (volatile struct virtq_avail *)p;
    p += ALIGN4K(VIRTQ_AVAIL_BYTES(size) + 2);
    vq->used = (volatile struct virtq_used *)p;
    p += ALIGN4K(VIRTQ_USED_BYTES(size) + 2);
    vq->ind = (struct virtq_desc *)p;
    return true;
}

bool virtq_setup_at(struct virtq *vq, struct virtio_dev *d, uint16_t index, uint16_t max_size, uint64_t desc,
                    uint64_t driver, uint64_t device)
{
    vio_write(d, VIRTIO_MMIO_QUEUE_SEL, index);
    uint32_t ready = vio_read(d, VIRTIO_MMIO_QUEUE_READY);
    if (ready != 0) {
        printf("virtio: base=0x%lx queue %u: QueueReady=%u before setup (want 0)\n", d->base, index, ready);
        return false;
    }
    uint32_t max = vio_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
    if (max == 0) {
        printf("virtio: base=0x%lx queue %u: QueueNumMax=0 (no such queue)\n", d->base, index);
        return false;
    }
    uint32_t lim = max;
    if (lim > max_size)
        lim = max_size;
    if (lim > VIRTQ_MAX_SIZE)
        lim = VIRTQ_MAX_SIZE;
    uint32_t size = 1;
    while (size * 2 <= lim)
        size *= 2;
    if (!virtq_alloc(vq, (uint16_t)size)) {
        printf("virtio: no memory for a %u-entry queue\n", size);
        return false;
    }
    vq->dev = d;
    vq->index = index;
    vq->size = (uint16_t)size;
    vq->event_idx = virtio_has(d, VIRTIO_F_EVENT_IDX);
    vq->indirect = virtio_has(d, VIRTIO_F_INDIRECT_DESC);
    vq->want_irq = true;
    vq->keep_chains = false;
    vq->avail_shadow = vq->avail_kicked = vq->last_used = 0;
    vq->notifies = vq->notifies_suppressed = vq->added = vq->completed = 0;
    vq->bad_used = vq->bad_used_first_id = 0;
    vq->free_top = 0;
    for (int i = (int)size - 1; i >= 0; i--) {
        vq->free_stack[vq->free_top++] = (uint16_t)i;
        vq->chain_len[i] = 0;
        vq->busy[i] = 0;
    }
    if (!desc) {
        desc = (uint64_t)vq->desc;
        driver = (uint64_t)vq->avail;
        device = (uint64_t)vq->used;
    }
    vio_write(d, VIRTIO_MMIO_QUEUE_NUM, size);
    vio_write(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
    vio_write(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
    vio_write(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)driver);
    vio_write(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(driver >> 32));
    vio_write(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)device);
    vio_write(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(device >> 32));
    virtio_wmb();
    vio_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
    ready = vio_read(d, VIRTIO_MMIO_QUEUE_READY);
    if (ready != 1) {
        printf("virtio: base=0x%lx queue %u: QueueReady reads %u after writing 1\n", d->base, index, ready);
        return false;
    }
    return true;
}

bool virtq_setup(struct virtq *vq, struct virtio_dev *d, uint16_t index, uint16_t max_size)
{
    return virtq_setup_at(vq, d, index, max_size, 0, 0, 0);
}

void virtq_set_irq(struct virtq *vq, bool on)
{
    vq->want_irq = on;
    if (vq->event_idx) {
        vq->avail->flags = 0;   /* 2.7.7.1: MUST be 0 with EVENT_IDX */
        *used_event_p(vq) = on ? vq->last_used : (uint16_t)(vq->last_used - 1);
    } else {
        vq->avail->flags = on ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT;
    }
}

static inline uint16_t pop_free(struct virtq *vq)
{
    return vq->free_stack[--vq->free_top];
}

int virtq_add(struct virtq *vq, const struct vbuf *b, int n, bool use_indirect)
{
    if (n <= 0)
        return -1;
    uint16_t head;
    if (use_indirect) {
        if (!vq->indirect || n > VIRTQ_IND_MAX || vq->free_top < 1)
            return -1;
        head = pop_free(vq);
        struct virtq_desc *t = &vq->ind[(size_t)head * VIRTQ_IND_MAX];
        for (int i = 0; i < n; i++) {
            t[i].addr = b[i].addr;
            t[i].len = b[i].len;
            t[i].flags = (uint16_t)((b[i].write ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
            t[i].next = (uint16_t)(i + 1 < n ? i + 1 : 0);
        }
        vq->desc[head].addr = (uint64_t)t;
        vq->desc[head].len = (uint32_t)n * 16;
        vq->desc[head].flags = VIRTQ_DESC_F_INDIRECT;
        vq->desc[head].next = 0;
        vq->chain_len[head] = 1;
    } else {
        if (n > vq->free_top)
            return -1;
        head = pop_free(vq);
        uint16_t cur = head;
        for (int i = 0; i < n; i++) {
            uint16_t nxt = i + 1 < n ? pop_free(vq) : 0;
            vq->desc[cur].addr = b[i].addr;
            vq->desc[cur].len = b[i].len;
            vq->desc[cur].flags =
                (uint16_t)((b[i].write ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
            vq->desc[cur].next = nxt;
            vq->chain_next[cur] = nxt;
            cur = nxt;
        }
        vq->chain_len[head] = (uint16_t)n;
    }
    vq->busy[head] = 1;
    vq->avail->ring[vq->avail_shadow & (vq->size - 1)] = head;
    vq->avail_shadow++;
    vq->added++;
    return head;
}

void virtq_resubmit(struct virtq *vq, uint16_t head)
{
    vq->busy[head] = 1;
    vq->avail->ring[vq->avail_shadow & (vq->size - 1)] = head;
    vq->avail_shadow++;
    vq->added++;
}

void virtq_kick(struct virtq *vq)
{
    uint16_t new_idx = vq->avail_shadow, old_idx = vq->avail_kicked;
    if (new_idx == old_idx)
        return;
    virtio_wmb();                   /* descriptors and ring entries before idx (2.7.13.3.1) */
    vq->avail->idx = new_idx;
    virtio_mb();                    /* idx before reading flags/avail_event (2.7.13.4.1) */
    bool need;
    if (vq->event_idx) {
        uint16_t ev = *avail_event_p(vq);
        need = (uint16_t)(new_idx - ev - 1) < (uint16_t)(new_idx - old_idx);
    } else {
        need = !(vq->used->flags & VIRTQ_USED_F_NO_NOTIFY);
    }
    vq->avail_kicked = new_idx;
    if (need) {
        vio_write(vq->dev, VIRTIO_MMIO_QUEUE_NOTIFY, vq->index);
        vq->notifies++;
    } else {
        vq->notifies_suppressed++;
    }
}

bool virtq_get_used(struct virtq *vq, uint32_t *id, uint32_t *len)
{
    uint16_t idx = vq->used->idx;
    if (idx == vq->last_used)
        return false;
    if ((uint16_t)(idx - vq->last_used) > vq->size) {
        if (!vq->bad_used++)
            vq->bad_used_first_id = 0xffff0000u | idx;
    }
    virtio_rmb();                   /* used idx before the entries it covers */
    struct virtq_used_elem e = vq->used->ring[vq->last_used & (vq->size - 1)];
    vq->last_used++;
    if (vq->event_idx && vq->want_irq)
        *used_event_p(vq) = vq->last_used;
    vq->completed++;
    *id = e.id;
    *len = e.len;
    if (e.id >= vq->size || !vq->busy[e.id]) {
        if (!vq->bad_used++)
            vq->bad_used_first_id = e.id;
        return true;
    }
    vq->busy[e.id] = 0;
    if (vq->keep_chains)
        return true;
    uint16_t cur = (uint16_t)e.id;
    for (uint16_t i = vq->chain_len[e.id]; i > 0; i--) {
        uint16_t nxt = vq->chain_next[cur];
        vq->free_stack[vq->free_top++] = cur;
        cur = nxt;
    }
    vq->chain_len[e.id] = 0;
    return true;
}

int virtq_wait(struct virtq *vq, uint32_t *id, uint32_t *len, uint64_t timeout_cycles)
{
    uint64_t start = rdtsc();
    uint64_t cap = timeout_cycles / 16 + 1024;
    for (uint64_t spins = 1;; spins++) {
        if (virtq_get_used(vq, id, len))
            return VQ_DONE;
        if ((spins & 511) == 0) {
            if (virtio_status(vq->dev) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
                return virtq_get_used(vq, id, len) ? VQ_DONE : VQ_NEEDS_RESET;
            if (rdtsc() - start > timeout_cycles || spins > cap)
                return VQ_TIMEOUT;
        }
        cpu_relax();
    }
}

uint64_t virtio_timeout(void)
{
    return param_u64("timeout", VIRTIO_TIMEOUT_DEFAULT / 1000000UL) * 1000000UL;
}

/* ---------------------------------------------------------------- TSC frequency */

#define MSR_KVM_SYSTEM_TIME     0x12
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_FEATURE_CLOCKSOURCE  (1u << 0)
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static struct {
    uint32_t version, pad0;
    uint64_t tsc_timestamp, system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags, pad[2];
} __attribute__((aligned(64))) pvclock;

uint64_t tsc_hz(const char **source)
{
    uint32_t a, b, c, d;
    cpuid(0x40000000, 0, &a, &b, &c, &d);
    /* "KVMKVMKVM\0\0\0" */
    if (b == 0x4b4d564b && c == 0x564b4d56 && d == 0x4d && a >= 0x40000001) {
        uint32_t feat, x;
        cpuid(0x40000001, 0, &feat, &x, &x, &x);
        uint32_t msr = (feat & KVM_FEATURE_CLOCKSOURCE2) ? MSR_KVM_SYSTEM_TIME_NEW
                       : (feat & KVM_FEATURE_CLOCKSOURCE) ? MSR_KVM_SYSTEM_TIME
                                                          : 0;
        if (msr) {
            memset((void *)&pvclock, 0, sizeof pvclock);
            wrmsr(msr, (uint64_t)&pvclock | 1);
            for (int i = 0; i < 1000000; i++) {
                uint32_t v = *(volatile uint32_t *)&pvclock.version;
                if (v && !(v & 1))
                    break;
                cpu_relax();
            }
            uint32_t mul = *(volatile uint32_t *)&pvclock.tsc_to_system_mul;
            int shift = *(volatile int8_t *)&pvclock.tsc_shift;
            wrmsr(msr, 0);
            if (mul) {
                /* ns = ((tsc << shift) * mul) >> 32  =>  hz = 1e9 * 2^32 / mul / 2^shift */
                uint64_t hz = (1000000000UL << 32) / mul;
                hz = shift >= 0 ? hz >> shift : hz << -shift;
                if (source)
                    *source = "kvmclock";
                return hz;
            }
        }
    }
    cpuid(0, 0, &a, &b, &c, &d);
    uint32_t max = a;
    if (max >= 0x15) {
        cpuid(0x15, 0, &a, &b, &c, &d);
        if (a && b && c) {
            if (source)
                *source = "cpuid15";
            return (uint64_t)c * b / a;
        }
    }
    if (max >= 0x16) {
        cpuid(0x16, 0, &a, &b, &c, &d);
        if (a) {
            if (source)
                *source = "cpuid16";
            return (uint64_t)a * 1000000UL;
        }
    }
    if (source)
        *source = "none";
    return 0;
}
