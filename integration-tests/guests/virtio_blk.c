/*
 * virtio_blk: drives the first virtio-blk device (DeviceID 2) on the command line through the
 * kit's polling virtio-mmio driver: capacity, GET_ID, pattern write / read-back, FLUSH,
 * last-sector and out-of-range requests, an unsupported request type, read-only behaviour,
 * DISCARD / WRITE_ZEROES. See README.md for the parameters, output and the pattern formula.
 */
#include "virtio.h"

const char guest_name[] = "virtio_blk";

/* 5.2.3 feature bits */
#define VIRTIO_BLK_F_SIZE_MAX     1
#define VIRTIO_BLK_F_SEG_MAX      2
#define VIRTIO_BLK_F_RO           5
#define VIRTIO_BLK_F_BLK_SIZE     6
#define VIRTIO_BLK_F_FLUSH        9
#define VIRTIO_BLK_F_DISCARD      13
#define VIRTIO_BLK_F_WRITE_ZEROES 14
/* 5.2.6 request types and status */
#define BLK_T_IN           0
#define BLK_T_OUT          1
#define BLK_T_FLUSH        4
#define BLK_T_GET_ID       8
#define BLK_T_DISCARD      11
#define BLK_T_WRITE_ZEROES 13
#define BLK_T_UNDEFINED    0x40   /* not defined by the spec: must be VIRTIO_BLK_S_UNSUPP */
#define BLK_S_OK     0
#define BLK_S_IOERR  1
#define BLK_S_UNSUPP 2
#define STATUS_POISON 0xee
/* 5.2.4 config offsets */
#define CFG_CAPACITY        0
#define CFG_BLK_SIZE        20
#define CFG_MAX_DISCARD_SECTORS 36
#define CFG_MAX_DISCARD_SEG 40
#define CFG_DISCARD_ALIGN   44
#define CFG_MAX_WZ_SECTORS  48
#define CFG_MAX_WZ_SEG      52
#define CFG_WZ_MAY_UNMAP    56

#define SECTOR 512
#define MAX_REQ_SECTORS 256
#define DWZ_AREA 64       /* sectors per discard / write-zeroes test range */

struct blk_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
struct dwz_seg {
    uint64_t sector;
    uint32_t num_sectors;
    uint32_t flags;       /* bit 0: unmap */
};

struct slot {
    struct blk_hdr *hdr;
    volatile uint8_t *status;
    uint8_t *data;
    uint64_t sector;
    uint32_t nsect;
    uint32_t type;
    uint32_t want_len;    /* bytes the device must report written: device-writable data + status (or only
                           * the status byte for a request that failed) */
    int head;             /* -1 when free */
};

static struct virtio_dev dev;
static struct virtq vq;
static struct slot slots[VIRTQ_MAX_SIZE];
static int16_t slot_of_head[VIRTQ_MAX_SIZE];
static uint64_t seed, capacity, timeout, sectors;
static uint32_t inflight, req_sectors;
static bool use_indirect;
static uint32_t len_mismatch, len_first_got, len_first_want;
static bool broken;       /* a timeout / NEEDS_RESET happened: stop issuing requests */

/* ---- the pattern: word w (0..63) of sector s = splitmix64((seed << 32) + s * 64 + w) ---- */
static void fill_pattern(uint8_t *buf, uint64_t sector, uint32_t nsect)
{
    uint64_t *p = (uint64_t *)buf;
    uint64_t x = (seed << 32) + sector * 64;
    for (uint32_t k = 0; k < nsect * 64; k++)
        p[k] = splitmix64(x + k);
}

static uint32_t mismatch_prints;
/* Returns the number of sectors that differ (one pass, like fill_pattern). */
static uint32_t check_pattern(const uint8_t *buf, uint64_t sector, uint32_t nsect)
{
    const uint64_t *p = (const uint64_t *)buf;
    uint64_t x = (seed << 32) + sector * 64;
    uint32_t bad = 0;
    for (uint32_t k = 0; k < nsect * 64; k++) {
        uint64_t want = splitmix64(x + k);
        if (p[k] != want) {
            if (mismatch_prints++ < 8)
                printf("virtio_blk: mismatch sector %lu word %u: got 0x%lx want 0x%lx\n", sector + k / 64, k % 64,
                       p[k], want);
            bad++;
            k |= 63;      /* next sector */
        }
    }
    return bad;
}

static bool all_zero(const uint8_t *buf, size_t n)
{
    const uint64_t *p = (const uint64_t *)buf;
    for (size_t i = 0; i < n / 8; i++)
        if (p[i])
            return false;
    return true;
}

/* ---- requests ---- */

static struct slot *free_slot(void)
{
    for (uint32_t i = 0; i < inflight; i++)
        if (slots[i].head < 0)
            return &slots[i];
    return NULL;
}

/* Queues a request in slot s (not kicked). data_write: the device writes the data. */
static bool submit(struct slot *s, uint32_t type, uint64_t sector, void *data, uint32_t data_len, bool data_write)
{
    s->hdr->type = type;
    s->hdr->reserved = 0;
    s->hdr->sector = sector;
    *s->status = STATUS_POISON;
    s->type = type;
    s->sector = sector;
    s->want_len = (data_write ? data_len : 0) + 1;
    struct vbuf b[3];
    int n = 0;
    b[n++] = (struct vbuf){ (uint64_t)s->hdr, sizeof(struct blk_hdr), false };
    if (data_len)
        b[n++] = (struct vbuf){ (uint64_t)data, data_len, data_write };
    b[n++] = (struct vbuf){ (uint64_t)s->status, 1, true };
    int head = virtq_add(&vq, b, n, use_indirect);
    if (head < 0) {
        CHECK(false, "virtq_add failed (free=%u)", virtq_free(&vq));
        return false;
    }
    s->head = head;
    slot_of_head[head] = (int16_t)(s - slots);
    return true;
}

/* Waits for one completion; returns its slot (head released) or NULL after a failed CHECK. */
static struct slot *complete_one(const char *what)
{
    uint32_t id, len;
    int r = virtq_wait(&vq, &id, &len, timeout);
    if (r != VQ_DONE) {
        CHECK(false, "%s: %s waiting for a used buffer (status 0x%x, used idx %u, last_used %u)", what,
              r == VQ_TIMEOUT ? "timeout" : "DEVICE_NEEDS_RESET", virtio_status(&dev), vq.used->idx, vq.last_used);
        broken = true;
        return NULL;
    }
    if (id >= vq.size || slot_of_head[id] < 0) {
        CHECK(false, "%s: used id %u does not match a request in flight", what, id);
        broken = true;
        return NULL;
    }
    struct slot *s = &slots[slot_of_head[id]];
    slot_of_head[id] = -1;
    s->head = -1;
    /* virtio 1.2, 2.7.8.2: len counts the bytes the device wrote, so a failed request may report just
     * its status byte (kvmj), or the whole writable buffer (QEMU). */
    bool failed_status_only = *s->status != 0 && len == 1;
    if (len != s->want_len && !failed_status_only) {
        if (!len_mismatch++) {
            len_first_got = len;
            len_first_want = s->want_len;
        }
    }
    return s;
}

/* One request at a time in slot 0 (nothing else in flight). Returns the status byte, or -1. */
static int do_req(uint32_t type, uint64_t sector, void *data, uint32_t data_len, bool data_write)
{
    if (broken)
        return -1;
    struct slot *s = &slots[0];
    if (!submit(s, type, sector, data, data_len, data_write))
        return -1;
    virtq_kick(&vq);
    struct slot *d = complete_one("request");
    return d ? *d->status : -1;
}

static const char *st_name(int st)
{
    switch (st) {
    case BLK_S_OK: return "OK";
    case BLK_S_IOERR: return "IOERR";
    case BLK_S_UNSUPP: return "UNSUPP";
    case -1: return "no completion";
    case STATUS_POISON: return "not written";
    default: return "other";
    }
}

/* Writes (write=true) or reads + verifies sectors [first, first+count) with `inflight` requests
 * of up to req_sectors each kept in flight. Returns the number of sectors done (written, or
 * read back and matching). */
static uint64_t pipeline(bool write, uint64_t first, uint64_t count, bool verify, uint32_t *errors)
{
    uint64_t next = first, end = first + count, done = 0;
    uint32_t outstanding = 0, bad_status = 0, first_bad = 0;
    while (!broken && (next < end || outstanding)) {
        while (next < end && outstanding < inflight) {
            struct slot *s = free_slot();
            uint32_t n = (uint32_t)(end - next < req_sectors ? end - next : req_sectors);
            s->nsect = n;
            if (write)
                fill_pattern(s->data, next, n);
            else
                fill64(s->data, 0xa5a5a5a5a5a5a5a5UL, (size_t)n * SECTOR);
            if (!submit(s, write ? BLK_T_OUT : BLK_T_IN, next, s->data, n * SECTOR, !write))
                return done;
            outstanding++;
            next += n;
        }
        virtq_kick(&vq);
        struct slot *s = complete_one(write ? "write" : "read");
        if (!s)
            break;
        outstanding--;
        if (*s->status != BLK_S_OK) {
            if (!bad_status++)
                first_bad = *s->status;
            continue;
        }
        if (write)
            done += s->nsect;
        else if (!verify)
            done += s->nsect;
        else {
            uint32_t bad = check_pattern(s->data, s->sector, s->nsect);
            done += s->nsect - bad;
            *errors += bad;
        }
    }
    if (bad_status)
        CHECK(false, "%s: %u requests completed with status %u (%s), want OK", write ? "write" : "read", bad_status,
              first_bad, st_name((int)first_bad));
    return done;
}

static uint8_t *scratch;   /* MAX_REQ_SECTORS sectors */

static void test_get_id(void)
{
    uint8_t *id = scratch;
    memset(id, 0, 20);
    int st = do_req(BLK_T_GET_ID, 0, id, 20, true);
    char s[21];
    memcpy(s, id, 20);
    s[20] = '\0';
    for (int i = 0; i < 20 && s[i]; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            s[i] = '?';
    printf("virtio_blk: get_id status=%d (%s) id=\"%s\"\n", st, st_name(st), s);
    size_t elen;
    const char *exp = cmdline_find(boot.cmdline, "expect_serial", &elen);
    if (exp) {
        size_t cmp = elen < 20 ? elen : 20;
        bool match = st == BLK_S_OK && memcmp(id, exp, cmp) == 0 && (cmp == 20 || id[cmp] == '\0');
        CHECK(match, "GET_ID returns the expected serial (%zu chars)", elen);
    } else {
        CHECK(st == BLK_S_OK || st == BLK_S_UNSUPP, "GET_ID completes with OK or UNSUPP (%s)", st_name(st));
    }
}

static void test_interrupt_status(void)
{
    /* A completion the driver asked to hear about MUST bring a used buffer notification (2.7.7.2):
     * InterruptStatus bit 0 (4.2.2). Under EVENT_IDX the device reads used_event after publishing used
     * idx, so the driver must not move used_event past the completion before this check (the kit moves it
     * as it consumes entries, and a device that reads it late may rightly stay silent): ask for the next
     * entry, then hold used_event there until the bit is seen. The device may set the bit just after
     * publishing used idx (from another host thread, which a busy vCPU can keep from running for a while
     * on a loaded host), so poll for up to about a second of TSC time. */
    vio_write(&dev, VIRTIO_MMIO_INTERRUPT_ACK, vio_read(&dev, VIRTIO_MMIO_INTERRUPT_STATUS) & 3);
    virtq_set_irq(&vq, true);
    vq.want_irq = false;    /* keeps used_event where virtq_set_irq put it */
    int st = do_req(BLK_T_GET_ID, 0, scratch, 20, true);
    uint32_t s = 0;
    uint64_t deadline = rdtsc() + 2000000000UL;
    while (st >= 0 && !(s & VIRTIO_MMIO_INT_VRING) && rdtsc() < deadline) {
        s = vio_read(&dev, VIRTIO_MMIO_INTERRUPT_STATUS);
        tsc_delay(100000);
    }
    virtq_set_irq(&vq, true);
    CHECK(s & VIRTIO_MMIO_INT_VRING, "InterruptStatus has the used-buffer bit after a completion (0x%x)", s);
    vio_write(&dev, VIRTIO_MMIO_INTERRUPT_ACK, s & 3);
    uint32_t after = vio_read(&dev, VIRTIO_MMIO_INTERRUPT_STATUS);
    CHECK(!(after & VIRTIO_MMIO_INT_VRING), "InterruptACK clears it (0x%x)", after);
}

static void test_range(bool ro)
{
    /* Deliberately out of range (a driver MUST NOT do this, 5.2.6.1): the device must refuse. */
    static const struct { uint64_t sector; uint32_t n; const char *what; } cases[] = {
        { 0, 1, "at capacity" },
        { 0, 2, "straddling the end" },
        { 0x8000000000000000UL, 1, "sector 2^63 (byte offset overflows)" },
        { 0xffffffffffffffffUL, 1, "sector 2^64-1 (sector+1 wraps)" },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0] && !broken; i++) {
        uint64_t sector = i == 0 ? capacity : i == 1 ? capacity - 1 : cases[i].sector;
        int st = do_req(BLK_T_IN, sector, scratch, cases[i].n * SECTOR, true);
        CHECK(st == BLK_S_IOERR, "read %s (sector %lu, %u sectors): %s, want IOERR", cases[i].what, sector,
              cases[i].n, st_name(st));
    }
    if (!ro && !broken) {
        fill_pattern(scratch, capacity, 1);
        int st = do_req(BLK_T_OUT, capacity, scratch, SECTOR, false);
        CHECK(st == BLK_S_IOERR, "write at capacity (sector %lu): %s, want IOERR", capacity, st_name(st));
    }
    if (!broken) {
        int st = do_req(BLK_T_UNDEFINED, 0, NULL, 0, false);
        CHECK(st == BLK_S_UNSUPP, "request type 0x%x (undefined): %s, want UNSUPP", BLK_T_UNDEFINED, st_name(st));
    }
}

static void test_read_only(void)
{
    uint8_t *before = scratch, *after = scratch + 2 * SECTOR, *junk = scratch + 4 * SECTOR;
    int st = do_req(BLK_T_IN, 0, before, SECTOR, true);
    CHECK(st == BLK_S_OK, "read-only: read sector 0: %s", st_name(st));
    for (int i = 0; i < SECTOR; i++)
        junk[i] = (uint8_t)~before[i];
    st = do_req(BLK_T_OUT, 0, junk, SECTOR, false);
    CHECK(st == BLK_S_IOERR, "read-only: write sector 0: %s, want IOERR (5.2.6.2)", st_name(st));
    st = do_req(BLK_T_IN, 0, after, SECTOR, true);
    CHECK(st == BLK_S_OK && memcmp(before, after, SECTOR) == 0, "read-only: sector 0 unchanged after the write");
}

static int dwz_req(uint32_t type, uint64_t sector, uint32_t n, uint32_t flags)
{
    struct dwz_seg *seg = (struct dwz_seg *)scratch;
    seg->sector = sector;
    seg->num_sectors = n;
    seg->flags = flags;
    return do_req(type, 0, seg, sizeof *seg, false);
}

static void test_discard(bool want)
{
    bool d = virtio_has(&dev, VIRTIO_BLK_F_DISCARD), wz = virtio_has(&dev, VIRTIO_BLK_F_WRITE_ZEROES);
    if (!want) {
        printf("virtio_blk: discard/write-zeroes tests off (discard=0)\n");
        return;
    }
    if (!d)
        printf("virtio_blk: skip: DISCARD not offered\n");
    if (!wz)
        printf("virtio_blk: skip: WRITE_ZEROES not offered\n");
    if (!d && !wz)
        return;
    uint32_t dmax = virtio_cfg32(&dev, CFG_MAX_DISCARD_SECTORS), dseg = virtio_cfg32(&dev, CFG_MAX_DISCARD_SEG);
    uint32_t dalign = virtio_cfg32(&dev, CFG_DISCARD_ALIGN), wmax = virtio_cfg32(&dev, CFG_MAX_WZ_SECTORS);
    uint32_t wseg = virtio_cfg32(&dev, CFG_MAX_WZ_SEG);
    uint8_t unmap = virtio_cfg8(&dev, CFG_WZ_MAY_UNMAP);
    printf("virtio_blk: max_discard_sectors=%u max_discard_seg=%u discard_sector_alignment=%u "
           "max_write_zeroes_sectors=%u max_write_zeroes_seg=%u write_zeroes_may_unmap=%u\n",
           dmax, dseg, dalign, wmax, wseg, unmap);
    /* Test area: 3 x DWZ_AREA sectors after the pattern area, aligned to 128 sectors (and to
     * discard_sector_alignment when that is larger). */
    uint64_t al = dalign > 128 ? dalign : 128;
    uint64_t a = (sectors + al - 1) / al * al;
    if (a + 3 * DWZ_AREA > capacity) {
        printf("virtio_blk: skip: discard/write-zeroes area [%lu, %lu) beyond capacity\n", a, a + 3 * DWZ_AREA);
        return;
    }
    uint32_t errors = 0;
    uint64_t w = pipeline(true, a, 3 * DWZ_AREA, false, &errors);
    CHECK(w == 3 * DWZ_AREA, "pattern written to the discard/write-zeroes area [%lu, %lu)", a, a + 3 * DWZ_AREA);
    if (d && !broken) {
        uint32_t n = dmax && dmax < DWZ_AREA ? dmax : DWZ_AREA;
        int st = dwz_req(BLK_T_DISCARD, a, n, 0);
        CHECK(st == BLK_S_OK, "DISCARD sectors [%lu, %lu): %s", a, a + n, st_name(st));
        st = dwz_req(BLK_T_DISCARD, a, n, 1);
        CHECK(st == BLK_S_UNSUPP, "DISCARD with the unmap flag: %s, want UNSUPP (5.2.6.2)", st_name(st));
        st = dwz_req(BLK_T_DISCARD, a, n, 4);
        CHECK(st == BLK_S_UNSUPP, "DISCARD with an unknown flag: %s, want UNSUPP", st_name(st));
        if (!broken) {
            fill64(scratch, 0xa5a5a5a5a5a5a5a5UL, DWZ_AREA * SECTOR);
            st = do_req(BLK_T_IN, a, scratch, DWZ_AREA * SECTOR, true);
            printf("virtio_blk: discarded range reads back %s (either is allowed)\n",
                   st != BLK_S_OK ? "with an error" : all_zero(scratch, DWZ_AREA * SECTOR) ? "zeros" : "data");
        }
    }
    if (wz && !broken) {
        uint32_t n = wmax && wmax < DWZ_AREA ? wmax : DWZ_AREA;
        int st = dwz_req(BLK_T_WRITE_ZEROES, a + DWZ_AREA, n, 0);
        CHECK(st == BLK_S_OK, "WRITE_ZEROES sectors [%lu, %lu): %s", a + DWZ_AREA, a + DWZ_AREA + n, st_name(st));
        int st2 = dwz_req(BLK_T_WRITE_ZEROES, a + 2 * DWZ_AREA, n, 1);
        CHECK(st2 == BLK_S_OK, "WRITE_ZEROES with unmap, sectors [%lu, %lu): %s", a + 2 * DWZ_AREA,
              a + 2 * DWZ_AREA + n, st_name(st2));
        int st3 = dwz_req(BLK_T_WRITE_ZEROES, a + DWZ_AREA, n, 2);
        CHECK(st3 == BLK_S_UNSUPP, "WRITE_ZEROES with an unknown flag: %s, want UNSUPP", st_name(st3));
        for (int k = 1; k <= 2 && !broken; k++) {
            fill64(scratch, 0xa5a5a5a5a5a5a5a5UL, (size_t)n * SECTOR);
            int rs = do_req(BLK_T_IN, a + k * DWZ_AREA, scratch, n * SECTOR, true);
            CHECK(rs == BLK_S_OK && all_zero(scratch, (size_t)n * SECTOR),
                  "sectors [%lu, %lu) read back as zeros after WRITE_ZEROES%s", a + k * DWZ_AREA,
                  a + k * DWZ_AREA + n, k == 2 ? " (unmap)" : "");
        }
    }
}

int guest_main(void)
{
    seed = param_u64("seed", 1);
    sectors = param_u64("sectors", 2048);
    inflight = (uint32_t)param_u64("inflight", 8);
    req_sectors = (uint32_t)param_u64("req_sectors", 8);
    bool want_indirect = param_u64("indirect", 0) != 0;
    bool want_event_idx = param_u64("event_idx", 0) != 0;
    bool expect_ro = param_u64("expect_ro", 0) != 0;
    bool do_write = !expect_ro && param_u64("write", 1) != 0;
    bool verify = param_u64("verify", do_write ? 1 : 0) != 0;
    bool want_discard = param_u64("discard", 1) != 0;
    uint64_t qsize = param_u64("qsize", 256);
    timeout = virtio_timeout();
    if (req_sectors == 0 || req_sectors > MAX_REQ_SECTORS)
        req_sectors = req_sectors ? MAX_REQ_SECTORS : 1;
    if (inflight == 0)
        inflight = 1;

    if (!CHECK(virtio_find(VIRTIO_ID_BLOCK, 0, &dev, false), "virtio-blk device found on the command line"))
        return 1;
    uint64_t wanted = VIRTIO_BIT(VIRTIO_BLK_F_RO) | VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) |
                      VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |
                      (want_discard ? VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) | VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES) : 0) |
                      (want_indirect ? VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) : 0) |
                      (want_event_idx ? VIRTIO_BIT(VIRTIO_F_EVENT_IDX) : 0);
    if (!CHECK(virtio_negotiate(&dev, wanted), "feature negotiation (FEATURES_OK kept)"))
        return 1;
    if (!CHECK(virtq_setup(&vq, &dev, 0, qsize > VIRTQ_MAX_SIZE ? VIRTQ_MAX_SIZE : (uint16_t)qsize),
               "requestq set up"))
        return 1;
    uint32_t qmax = (vio_write(&dev, VIRTIO_MMIO_QUEUE_SEL, 0), vio_read(&dev, VIRTIO_MMIO_QUEUE_NUM_MAX));
    virtio_driver_ok(&dev);
    capacity = virtio_cfg64(&dev, CFG_CAPACITY);
    printf("virtio_blk: capacity=%lu features=0x%lx accepted=0x%lx\n", capacity, dev.offered, dev.accepted);
    if (virtio_has(&dev, VIRTIO_BLK_F_BLK_SIZE))
        printf("virtio_blk: blk_size=%u\n", virtio_cfg32(&dev, CFG_BLK_SIZE));
    use_indirect = vq.indirect;
    if (want_indirect && !vq.indirect)
        printf("virtio_blk: skip: VIRTIO_F_INDIRECT_DESC not offered, using direct descriptors\n");
    if (want_event_idx && !vq.event_idx)
        printf("virtio_blk: skip: VIRTIO_F_EVENT_IDX not offered\n");
    uint32_t max_inflight = use_indirect ? vq.size : vq.size / 3;
    if (inflight > max_inflight) {
        printf("virtio_blk: inflight %u clamped to %u (queue size %u, %s)\n", inflight, max_inflight, vq.size,
               use_indirect ? "one descriptor per request" : "3 descriptors per request");
        inflight = max_inflight;
    }
    printf("virtio_blk: queue_num_max=%u queue_size=%u req_sectors=%u seed=%lu\n", qmax, vq.size, req_sectors, seed);
    if (!CHECK(capacity > 0, "capacity %lu > 0", capacity))
        return 1;
    CHECK(!!virtio_has(&dev, VIRTIO_BLK_F_RO) == expect_ro, "VIRTIO_BLK_F_RO %s (expect_ro=%d)",
          virtio_has(&dev, VIRTIO_BLK_F_RO) ? "offered" : "not offered", expect_ro);
    if (sectors > capacity) {
        printf("virtio_blk: sectors %lu clamped to the capacity\n", sectors);
        sectors = capacity;
    }

    /* DMA memory: per-slot header + status, data buffers, scratch. */
    uint8_t *cells = dma_zalloc((size_t)inflight * 64, 64);
    uint8_t *data = dma_alloc((size_t)inflight * req_sectors * SECTOR, 4096);
    scratch = dma_alloc(MAX_REQ_SECTORS * SECTOR, 4096);
    if (!CHECK(cells && data && scratch, "DMA memory for %u requests of %u sectors", inflight, req_sectors))
        return 1;
    for (uint32_t i = 0; i < VIRTQ_MAX_SIZE; i++)
        slot_of_head[i] = -1;
    for (uint32_t i = 0; i < inflight; i++) {
        slots[i].hdr = (struct blk_hdr *)(cells + i * 64);
        slots[i].status = cells + i * 64 + 32;
        slots[i].data = data + (size_t)i * req_sectors * SECTOR;
        slots[i].head = -1;
    }

    test_get_id();
    if (!broken)
        test_interrupt_status();

    uint64_t wrote = 0, verified = 0;
    uint32_t errors = 0;
    uint64_t t0 = rdtsc(), t_write = 0, t_read = 0;
    if (do_write && !broken) {
        wrote = pipeline(true, 0, sectors, false, &errors);
        t_write = rdtsc() - t0;
        CHECK(wrote == sectors, "wrote %lu of %lu sectors", wrote, sectors);
        if (virtio_has(&dev, VIRTIO_BLK_F_FLUSH)) {
            int st = do_req(BLK_T_FLUSH, 0, NULL, 0, false);
            CHECK(st == BLK_S_OK, "FLUSH: %s", st_name(st));
        } else {
            printf("virtio_blk: skip: VIRTIO_BLK_F_FLUSH not offered\n");
        }
    }
    if (!broken) {
        t0 = rdtsc();
        verified = pipeline(false, 0, sectors, verify, &errors);
        t_read = rdtsc() - t0;
        if (verify)
            CHECK(verified == sectors && errors == 0, "read back and verified %lu of %lu sectors (%u mismatching)",
                  verified, sectors, errors);
        else
            CHECK(verified == sectors, "read %lu of %lu sectors (not verified)", verified, sectors);
        if (!verify)
            verified = 0;
    }
    if (do_write && !broken && capacity - 1 >= sectors) {
        /* The last sector: off-by-one checks in the device's bounds test. */
        fill_pattern(scratch, capacity - 1, 1);
        int st = do_req(BLK_T_OUT, capacity - 1, scratch, SECTOR, false);
        fill64(scratch, 0, SECTOR);
        int st2 = do_req(BLK_T_IN, capacity - 1, scratch, SECTOR, true);
        CHECK(st == BLK_S_OK && st2 == BLK_S_OK && check_pattern(scratch, capacity - 1, 1) == 0,
              "last sector %lu written and read back (%s, %s)", capacity - 1, st_name(st), st_name(st2));
    }
    if (expect_ro && !broken)
        test_read_only();
    if (!broken)
        test_range(expect_ro);
    if (!expect_ro && !broken)
        test_discard(want_discard);
    else if (expect_ro)
        printf("virtio_blk: skip: discard/write-zeroes tests on a read-only device\n");

    CHECK(len_mismatch == 0, "used len = bytes written (data + status) for every request (%u mismatches%s)",
          len_mismatch, len_mismatch ? ", see next line" : "");
    if (len_mismatch)
        printf("virtio_blk: first used len mismatch: got %u want %u\n", len_first_got, len_first_want);
    CHECK(vq.bad_used == 0, "every used id was a head in flight (%u bad, first 0x%x)", vq.bad_used,
          vq.bad_used_first_id);
    uint32_t st = virtio_status(&dev);
    CHECK(!(st & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)), "device status 0x%x at the end", st);
    printf("virtio_blk: requests=%lu notifies=%lu suppressed=%lu tsc write=%lu read=%lu\n", vq.completed,
           vq.notifies, vq.notifies_suppressed, t_write, t_read);
    printf("virtio_blk: wrote=%lu verified=%lu inflight=%u indirect=%d event_idx=%d\n", wrote, verified, inflight,
           use_indirect, vq.event_idx);
    virtio_reset(&dev);
    return 0;
}
