/*
 * kvmj test-guest kit: a minimal virtio-mmio (virtio 1.2, MMIO version 2) driver core.
 *
 * Polling only (no interrupts are taken; the guest runs with IF=0), split virtqueues in
 * guest RAM taken from dma_alloc(), little-endian x86 so no byte swapping is needed.
 * Spec references are to OASIS virtio v1.2: 2.7 split virtqueues, 3.1 device initialization,
 * 4.2 virtio over MMIO.
 */
#ifndef KVMJ_VIRTIO_H
#define KVMJ_VIRTIO_H

#include "kit.h"

/* ---- MMIO register offsets (4.2.2) ---- */
#define VIRTIO_MMIO_MAGIC               0x000
#define VIRTIO_MMIO_VERSION             0x004
#define VIRTIO_MMIO_DEVICE_ID           0x008
#define VIRTIO_MMIO_VENDOR_ID           0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL           0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034
#define VIRTIO_MMIO_QUEUE_NUM           0x038
#define VIRTIO_MMIO_QUEUE_READY         0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064
#define VIRTIO_MMIO_STATUS              0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION   0x0fc
#define VIRTIO_MMIO_CONFIG              0x100

#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976u   /* "virt" */
#define VIRTIO_MMIO_INT_VRING   0x1           /* InterruptStatus: used buffer notification */
#define VIRTIO_MMIO_INT_CONFIG  0x2           /* InterruptStatus: configuration change */

/* ---- device status (2.1) ---- */
#define VIRTIO_STATUS_ACKNOWLEDGE        0x01
#define VIRTIO_STATUS_DRIVER             0x02
#define VIRTIO_STATUS_DRIVER_OK          0x04
#define VIRTIO_STATUS_FEATURES_OK        0x08
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED             0x80

/* ---- device ids (5) ---- */
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_ENTROPY 4

/* ---- reserved (transport/ring) feature bits (6) ---- */
#define VIRTIO_F_INDIRECT_DESC  28
#define VIRTIO_F_EVENT_IDX      29
#define VIRTIO_F_VERSION_1      32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_RING_PACKED    34
#define VIRTIO_F_IN_ORDER       35
#define VIRTIO_BIT(n) (1UL << (n))

/* ---- split virtqueue layout (2.7) ---- */
struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[];              /* [size], then le16 used_event */
};
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};
struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[]; /* [size], then le16 avail_event */
};
#define VIRTQ_USED_F_NO_NOTIFY 1

/* Largest queue this kit drives (QEMU's VIRTQUEUE_MAX_SIZE); the spec allows 32768. */
#define VIRTQ_MAX_SIZE 1024
/* Entries in each per-head indirect table the kit manages. */
#define VIRTQ_IND_MAX 8

/* ---- barriers: x86 is TSO, but the spec asks for explicit barriers at these points ---- */
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }
static inline void virtio_wmb(void) { __asm__ volatile("sfence" ::: "memory"); }  /* stores before stores */
static inline void virtio_rmb(void) { __asm__ volatile("lfence" ::: "memory"); }  /* loads before loads */
static inline void virtio_mb(void) { __asm__ volatile("mfence" ::: "memory"); }   /* stores before loads */

/* ---- DMA memory: a bump allocator over guest RAM after the image (never freed) ---- */
/* Returns `size` bytes aligned to `align` (a power of 2) inside one memmap RAM entry, or NULL.
 * The memory is not cleared; dma_zalloc clears it. */
void *dma_alloc(size_t size, size_t align);
void *dma_zalloc(size_t size, size_t align);

/* ---- devices ---- */
struct virtio_dev {
    uint64_t base;
    uint64_t size;
    uint32_t irq;
    uint32_t version, device_id, vendor_id;
    uint64_t offered;             /* DeviceFeatures, all 64 bits */
    uint64_t accepted;            /* what the driver wrote to DriverFeatures */
    uint32_t drv_status;          /* status bits the driver has set since the last reset */
};

static inline uint32_t vio_read(const struct virtio_dev *d, uint32_t off) { return mmio_read32(d->base + off); }
static inline void vio_write(const struct virtio_dev *d, uint32_t off, uint32_t v) { mmio_write32(d->base + off, v); }
static inline bool virtio_has(const struct virtio_dev *d, unsigned bit) { return (d->accepted >> bit) & 1; }

/* Walks the virtio_mmio.device=... entries of the command line, maps them, checks MagicValue
 * and Version (printing one "virtio-mmio: ..." line per entry) and returns in *out the
 * `nth` (0-based) device whose DeviceID is device_id. Entries with DeviceID 0 are skipped
 * without touching another register (4.2.3.1.1). quiet: do not print. */
bool virtio_find(uint32_t device_id, int nth, struct virtio_dev *out, bool quiet);

/* Writes 0 to Status and waits (bounded) until it reads back 0. Returns false on timeout. */
bool virtio_reset(struct virtio_dev *d);
/* Sets status bits (never clears any, 2.1.2): writes Status = old | bits. */
void virtio_set_status(struct virtio_dev *d, uint32_t bits);
static inline uint32_t virtio_status(const struct virtio_dev *d) { return vio_read(d, VIRTIO_MMIO_STATUS); }

/* 3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, read the 64 offered feature bits (two
 * DeviceFeaturesSel windows), write offered & wanted (VERSION_1 is always wanted and required)
 * through DriverFeaturesSel 0/1, set FEATURES_OK and re-read it. On failure sets FAILED
 * and returns false (reason printed). */
bool virtio_negotiate(struct virtio_dev *d, uint64_t wanted);
/* 3.1.1 step 8. */
static inline void virtio_driver_ok(struct virtio_dev *d) { virtio_set_status(d, VIRTIO_STATUS_DRIVER_OK); }

/* Reads InterruptStatus and acknowledges the bits it had set (0, 1 or 2 only). Returns them. */
uint32_t virtio_ack_interrupts(struct virtio_dev *d);

/* Device configuration space (4.2.2: 8/16/32-bit accesses, 64-bit as two 32-bit reads inside a
 * ConfigGeneration loop). */
uint8_t virtio_cfg8(const struct virtio_dev *d, uint32_t off);
uint16_t virtio_cfg16(const struct virtio_dev *d, uint32_t off);
uint32_t virtio_cfg32(const struct virtio_dev *d, uint32_t off);
uint64_t virtio_cfg64(const struct virtio_dev *d, uint32_t off);

/* ---- split virtqueue ---- */
struct virtq {
    struct virtio_dev *dev;
    uint16_t index;               /* queue index (QueueSel) */
    uint16_t size;                /* QueueNum, a power of 2 */
    bool event_idx;               /* VIRTIO_F_EVENT_IDX negotiated */
    bool indirect;                /* VIRTIO_F_INDIRECT_DESC negotiated */
    bool want_irq;                /* ask for used buffer notifications (flags / used_event) */
    bool keep_chains;             /* virtq_get_used does not free chains (for virtq_resubmit) */
    volatile struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
    struct virtq_desc *ind;       /* size * VIRTQ_IND_MAX indirect entries (if indirect) */
    /* driver state */
    uint16_t avail_shadow;        /* next avail idx (entries added, not yet published if != avail->idx) */
    uint16_t avail_kicked;        /* avail idx at the last notification decision */
    uint16_t last_used;           /* next used entry to consume */
    uint16_t free_top;            /* number of entries on free_stack */
    uint16_t free_stack[VIRTQ_MAX_SIZE];
    uint16_t chain_next[VIRTQ_MAX_SIZE]; /* driver-private copy of the chain links */
    uint16_t chain_len[VIRTQ_MAX_SIZE];  /* descriptors in the main table used by each head, 0 = free */
    uint8_t busy[VIRTQ_MAX_SIZE];        /* head offered to the device and not yet used */
    /* statistics */
    uint64_t notifies, notifies_suppressed, added, completed;
    uint32_t bad_used;            /* used entries with an unknown/free id or an idx jump > size */
    uint32_t bad_used_first_id;
    /* memory (kept across re-initialization) */
    void *mem;
    size_t mem_size;
};

/* A buffer element for virtq_add. */
struct vbuf {
    uint64_t addr;
    uint32_t len;
    bool write;                   /* device-writable */
};

/* Addresses of the three parts inside vq->mem (for the hostile guest). */
#define VIRTQ_DESC_BYTES(n)  (16UL * (n))
#define VIRTQ_AVAIL_BYTES(n) (6UL + 2UL * (n))
#define VIRTQ_USED_BYTES(n)  (6UL + 8UL * (n))

/* MMIO queue configuration (4.2.3.2) for queue `index`: QueueSel, QueueReady must read 0,
 * QueueNumMax (0 = no queue), size = largest power of 2 <= min(QueueNumMax, max_size), allocate
 * and zero the rings (desc 16-aligned, avail 2, used 4; the kit uses 4 KiB-aligned parts), write
 * QueueNum, QueueDesc/Driver/Device Low/High, QueueReady = 1 and read it back. Feature flags come
 * from d->accepted. Returns false (reason printed) on failure. */
bool virtq_setup(struct virtq *vq, struct virtio_dev *d, uint16_t index, uint16_t max_size);
/* Same as virtq_setup but with explicit addresses for the three parts (hostile tests);
 * the kit's own rings are still (re)initialized for bookkeeping. */
bool virtq_setup_at(struct virtq *vq, struct virtio_dev *d, uint16_t index, uint16_t max_size,
                    uint64_t desc, uint64_t driver, uint64_t device);

/* Free descriptors in the main table. */
static inline uint16_t virtq_free(const struct virtq *vq) { return vq->free_top; }
/* Adds a chain of n elements (device-readable ones first, 2.7.4). use_indirect puts them in this
 * head's indirect table (n <= VIRTQ_IND_MAX; needs the feature) and uses one main descriptor.
 * Not visible to the device before virtq_kick. Returns the head index, or -1 if out of
 * descriptors / bad arguments. */
int virtq_add(struct virtq *vq, const struct vbuf *b, int n, bool use_indirect);
/* Publishes the added chains (barrier, avail->idx, barrier) and notifies the device unless it
 * suppressed notifications (used->flags NO_NOTIFY, or avail_event with EVENT_IDX). */
void virtq_kick(struct virtq *vq);
/* Non-blocking: takes the next used element, frees its chain (unless keep_chains). Returns false
 * if none. An id that is not a head in flight is counted in bad_used. */
bool virtq_get_used(struct virtq *vq, uint32_t *id, uint32_t *len);
/* With keep_chains: offers a completed chain again, descriptors unchanged (not yet published). */
void virtq_resubmit(struct virtq *vq, uint16_t head);

enum { VQ_DONE = 0, VQ_TIMEOUT = 1, VQ_NEEDS_RESET = 2 };
/* Polls for the next used element for at most timeout_cycles TSC cycles (also capped by an
 * iteration count in case the TSC does not move); reads Status every 512 polls and returns
 * VQ_NEEDS_RESET when the device set DEVICE_NEEDS_RESET. */
int virtq_wait(struct virtq *vq, uint32_t *id, uint32_t *len, uint64_t timeout_cycles);
/* Asks for (or not) used buffer notifications: avail->flags / used_event. */
void virtq_set_irq(struct virtq *vq, bool on);

/* Default wait: 10e9 TSC cycles (~4 s at 2.6 GHz); guests take timeout=M (millions). */
#define VIRTIO_TIMEOUT_DEFAULT 10000000000UL
uint64_t virtio_timeout(void);

/* ---- TSC frequency (for rates): kvmclock (KVM pvclock MSR), else CPUID 0x15/0x16, else 0 ---- */
uint64_t tsc_hz(const char **source);

/* ---- helpers ---- */
/* Fills `bytes` (a multiple of 8) with a 64-bit value using rep stosq: on the PVM host CPL0 string
 * instructions are emulated per element, so this is ~6x cheaper than memset's rep stosb. */
static inline void fill64(void *d, uint64_t v, size_t bytes)
{
    size_t n = bytes / 8;
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

static inline uint64_t splitmix64(uint64_t x)
{
    uint64_t z = x + 0x9e3779b97f4a7c15UL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
    return z ^ (z >> 31);
}

#endif
