/*
 * virtio_hostile: malformed virtqueue contents and register garbage against the virtio-blk and
 * virtio-rng devices (kvmj's robustness tests). Each case runs on a freshly reset and
 * re-initialized device; the outcomes the spec allows are an error status (or a used entry with
 * len 0) or DEVICE_NEEDS_RESET (2.1.2); queue-address cases may also refuse QueueReady. A case
 * that gets neither within the timeout, or completes with VIRTIO_BLK_S_OK, fails. After every case
 * the device is reset, re-initialized and must serve a read. At the end the rng device must still
 * return data and the blk device must still write and read back correctly.
 * Params: qemu_safe=1 (skip the cases QEMU 7.2 cannot survive, see README), qsize=N (blk queue
 * size, default 16), seed=N, timeout=M (millions of TSC cycles per wait), only=<case> (run one).
 * Output: one "hostile: <case>: <what happened>" line per case.
 */
#include "virtio.h"

const char guest_name[] = "virtio_hostile";

#define BLK_T_IN  0
#define BLK_T_OUT 1
#define BLK_S_OK     0
#define BLK_S_IOERR  1
#define BLK_S_UNSUPP 2
#define POISON 0xee
#define VIRTIO_BLK_F_RO 5
#define BAD_ADDR 0xfffff0000000UL     /* far outside guest RAM, canonical, not a device */

struct blk_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

static struct virtio_dev blk, rng;
static struct virtq bq, rq;
static bool have_rng, ro;
static uint64_t seed, timeout;
static uint16_t qsize;

/* DMA memory */
static struct blk_hdr *hdr;
static volatile uint8_t *status;    /* a device-writable status byte (or read-only, per case) */
static uint8_t *data;               /* 16 sectors */
static struct virtq_desc *table;    /* indirect tables: 64 entries */
static struct virtq_desc *table2;   /* a second one (nested case) */

enum kind { K_ERR, K_ZERO_LEN, K_NEEDS_RESET, K_NOT_READY, K_OK, K_TIMEOUT, K_OTHER };
#define A_ERR (1u << K_ERR)
#define A_ZERO (1u << K_ZERO_LEN)
#define A_RESET (1u << K_NEEDS_RESET)
#define A_NOT_READY (1u << K_NOT_READY)
#define A_OK (1u << K_OK)
#define A_SPEC (A_ERR | A_ZERO | A_RESET)

struct result {
    enum kind kind;
    uint32_t id, len;
    int st;              /* status byte after completion */
    char what[160];
};

/* ------------------------------------------------------------------ device setup */

static bool blk_init_at(uint64_t desc, uint64_t drv, uint64_t dev_area, bool *not_ready)
{
    uint64_t wanted = VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_BLK_F_RO);
    if (not_ready)
        *not_ready = false;
    if (!virtio_negotiate(&blk, wanted))
        return false;
    if (!virtq_setup_at(&bq, &blk, 0, qsize, desc, drv, dev_area)) {
        if (not_ready)
            *not_ready = true;
        return false;
    }
    virtio_driver_ok(&blk);
    return true;
}

static bool blk_init(void)
{
    return blk_init_at(0, 0, 0, NULL);
}

static bool rng_init(void)
{
    if (!virtio_negotiate(&rng, 0))
        return false;
    if (!virtq_setup(&rq, &rng, 0, 16))
        return false;
    virtio_driver_ok(&rng);
    return true;
}

static void put_desc(volatile struct virtq_desc *t, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    t[i].addr = addr;
    t[i].len = len;
    t[i].flags = flags;
    t[i].next = next;
}

static void set_hdr(uint32_t type, uint64_t sector)
{
    hdr->type = type;
    hdr->reserved = 0;
    hdr->sector = sector;
    *status = POISON;
}

/* Publishes `head` (the driver's bookkeeping is thrown away afterwards: the next case resets). */
static void publish(struct virtq *vq, uint16_t head)
{
    vq->avail->ring[vq->avail_shadow & (vq->size - 1)] = head;
    if (head < vq->size) {
        vq->chain_len[head] = 1;
        vq->chain_next[head] = head;
        vq->busy[head] = 1;
    }
    vq->avail_shadow++;
}

/* Notifies unconditionally and waits for the outcome. status_p: where the device would put the
 * status byte (NULL: unknown). */
static struct result observe(struct virtq *vq, volatile uint8_t *status_p)
{
    struct result r;
    memset(&r, 0, sizeof r);
    r.st = -1;
    virtio_wmb();
    vq->avail->idx = vq->avail_shadow;
    virtio_mb();
    vio_write(vq->dev, VIRTIO_MMIO_QUEUE_NOTIFY, vq->index);
    int w = virtq_wait(vq, &r.id, &r.len, timeout);
    if (w == VQ_NEEDS_RESET) {
        r.kind = K_NEEDS_RESET;
        snprintf(r.what, sizeof r.what, "DEVICE_NEEDS_RESET (status 0x%x)", virtio_status(vq->dev));
    } else if (w == VQ_TIMEOUT) {
        r.kind = K_TIMEOUT;
        snprintf(r.what, sizeof r.what, "no completion and no DEVICE_NEEDS_RESET within the timeout (status 0x%x)",
                 virtio_status(vq->dev));
    } else {
        r.st = status_p ? *status_p : -1;
        if (status_p && (r.st == BLK_S_IOERR || r.st == BLK_S_UNSUPP))
            r.kind = K_ERR;
        else if (status_p && r.st == BLK_S_OK)
            r.kind = K_OK;
        else if (r.len == 0)
            r.kind = K_ZERO_LEN;
        else
            r.kind = K_OTHER;
        snprintf(r.what, sizeof r.what, "completed id=%u len=%u status=%s", r.id, r.len,
                 r.st == BLK_S_IOERR    ? "IOERR"
                 : r.st == BLK_S_UNSUPP ? "UNSUPP"
                 : r.st == BLK_S_OK     ? "OK"
                 : r.st == POISON       ? "not written"
                                        : "other");
    }
    return r;
}

static struct result not_ready_result(void)
{
    struct result r;
    memset(&r, 0, sizeof r);
    r.kind = K_NOT_READY;
    uint32_t st = virtio_status(&blk);
    snprintf(r.what, sizeof r.what, "QueueReady refused%s (status 0x%x)",
             st & VIRTIO_STATUS_DEVICE_NEEDS_RESET ? ", DEVICE_NEEDS_RESET" : "", st);
    return r;
}

/* A read request at t[0..2]: header, data (device-writable, addr/len as given), status. */
static void put_read(volatile struct virtq_desc *t, uint64_t addr, uint32_t len)
{
    set_hdr(BLK_T_IN, 0);
    put_desc(t, 0, (uint64_t)hdr, sizeof *hdr, VIRTQ_DESC_F_NEXT, 1);
    put_desc(t, 1, addr, len, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
    put_desc(t, 2, (uint64_t)status, 1, VIRTQ_DESC_F_WRITE, 0);
}

/* That read on the blk queue, published; what the device made of it. */
static struct result read_request(uint64_t addr, uint32_t len)
{
    put_read(bq.desc, addr, len);
    publish(&bq, 0);
    return observe(&bq, status);
}

/* ------------------------------------------------------------------ blk cases */
/* Each builds its request on a freshly initialized queue (bq, size qsize) and returns the outcome
 * plus the set of acceptable kinds in *accept. Descriptor 0 is the head unless noted. */

static struct result c_addr_outside_ram(uint32_t *accept)
{
    *accept = A_SPEC;
    return read_request(BAD_ADDR, 512);
}

static struct result c_len_wraps(uint32_t *accept)
{
    *accept = A_SPEC;
    return read_request(0xffffffffffffff00UL, 0x200);
}

static struct result c_len_beyond_ram(uint32_t *accept)
{
    *accept = A_SPEC;
    return read_request((uint64_t)data, 0xfffffe00u);
}

static struct result c_desc_loop(uint32_t *accept)
{
    *accept = A_SPEC;
    set_hdr(BLK_T_IN, 0);
    put_desc(bq.desc, 0, (uint64_t)hdr, sizeof *hdr, VIRTQ_DESC_F_NEXT, 1);
    put_desc(bq.desc, 1, (uint64_t)data, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
    put_desc(bq.desc, 2, (uint64_t)status, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1); /* back to 1 */
    publish(&bq, 0);
    return observe(&bq, status);
}

static struct result c_next_out_of_range(uint32_t *accept)
{
    *accept = A_SPEC;
    set_hdr(BLK_T_IN, 0);
    put_desc(bq.desc, 0, (uint64_t)hdr, sizeof *hdr, VIRTQ_DESC_F_NEXT, (uint16_t)(bq.size + 5));
    publish(&bq, 0);
    return observe(&bq, NULL);
}

static struct result c_chain_too_long(uint32_t *accept)
{
    /* An indirect table with queue size + 1 entries: header, size - 1 data sectors, status. */
    *accept = A_SPEC;
    uint16_t n = (uint16_t)(bq.size + 1);
    set_hdr(BLK_T_IN, 0);
    put_desc(table, 0, (uint64_t)hdr, sizeof *hdr, VIRTQ_DESC_F_NEXT, 1);
    for (uint16_t i = 1; i < n - 1; i++)
        put_desc(table, i, (uint64_t)data + (i % 16) * 512, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
                 (uint16_t)(i + 1));
    put_desc(table, (uint16_t)(n - 1), (uint64_t)status, 1, VIRTQ_DESC_F_WRITE, 0);
    put_desc(bq.desc, 0, (uint64_t)table, n * 16u, VIRTQ_DESC_F_INDIRECT, 0);
    publish(&bq, 0);
    return observe(&bq, status);
}

static void valid_table(struct virtq_desc *t)
{
    put_read(t, (uint64_t)data, 512);
}

static struct result c_indirect_bad_len(uint32_t *accept)
{
    *accept = A_SPEC;
    valid_table(table);
    put_desc(bq.desc, 0, (uint64_t)table, 40, VIRTQ_DESC_F_INDIRECT, 0);   /* not a multiple of 16 */
    publish(&bq, 0);
    return observe(&bq, status);
}

static struct result c_indirect_len_zero(uint32_t *accept)
{
    *accept = A_SPEC;
    valid_table(table);
    put_desc(bq.desc, 0, (uint64_t)table, 0, VIRTQ_DESC_F_INDIRECT, 0);
    publish(&bq, 0);
    return observe(&bq, status);
}

static struct result c_indirect_nested(uint32_t *accept)
{
    *accept = A_SPEC;
    valid_table(table2);
    put_desc(table, 0, (uint64_t)table2, 48, VIRTQ_DESC_F_INDIRECT, 0);
    put_desc(bq.desc, 0, (uint64_t)table, 16, VIRTQ_DESC_F_INDIRECT, 0);
    publish(&bq, 0);
    return observe(&bq, status);
}

static struct result c_indirect_and_next(uint32_t *accept)
{
    *accept = A_SPEC;
    valid_table(table);
    put_desc(bq.desc, 0, (uint64_t)table, 48, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
    put_desc(bq.desc, 1, (uint64_t)data + 512, 512, VIRTQ_DESC_F_WRITE, 0);
    publish(&bq, 0);
    return observe(&bq, status);
}

static struct result c_indirect_outside_ram(uint32_t *accept)
{
    *accept = A_SPEC;
    put_desc(bq.desc, 0, BAD_ADDR, 48, VIRTQ_DESC_F_INDIRECT, 0);
    publish(&bq, 0);
    return observe(&bq, NULL);
}

static struct result c_header_writable(uint32_t *accept)
{
    *accept = A_SPEC;
    set_hdr(BLK_T_IN, 0);
    put_desc(bq.desc, 0, (uint64_t)hdr, sizeof *hdr, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    put_desc(bq.desc, 1, (uint64_t)data, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
    put_desc(bq.desc, 2, (uint64_t)status, 1, VIRTQ_DESC_F_WRITE, 0);
    publish(&bq, 0);
    return observe(&bq, status);
}

static struct result c_header_too_short(uint32_t *accept)
{
    *accept = A_SPEC;
    set_hdr(BLK_T_IN, 0);
    put_desc(bq.desc, 0, (uint64_t)hdr, 8, VIRTQ_DESC_F_NEXT, 1);       /* type + reserved only */
    put_desc(bq.desc, 1, (uint64_t)status, 1, VIRTQ_DESC_F_WRITE, 0);
    publish(&bq, 0);
    return observe(&bq, status);
}

static struct result c_status_readonly(uint32_t *accept)
{
    /* header (R), data (W, 512), status (R). The device MUST NOT write the read-only byte; it may
     * treat the last writable byte as the status (then 511 data bytes: an error) or give up. */
    *accept = A_SPEC;
    set_hdr(BLK_T_IN, 0);
    data[511] = POISON;
    put_desc(bq.desc, 0, (uint64_t)hdr, sizeof *hdr, VIRTQ_DESC_F_NEXT, 1);
    put_desc(bq.desc, 1, (uint64_t)data, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
    put_desc(bq.desc, 2, (uint64_t)status, 1, 0, 0);
    publish(&bq, 0);
    struct result r = observe(&bq, NULL);
    if (r.kind != K_NEEDS_RESET && r.kind != K_TIMEOUT) {
        uint8_t last = data[511];
        if (*status != POISON) {
            r.kind = K_OTHER;
            snprintf(r.what, sizeof r.what, "completed len=%u and wrote the read-only status byte (0x%x)", r.len,
                     *status);
        } else if (r.len == 0) {
            r.kind = K_ZERO_LEN;
        } else if (last == BLK_S_IOERR || last == BLK_S_UNSUPP) {
            r.kind = K_ERR;
            snprintf(r.what, sizeof r.what, "completed len=%u, error status %u in the last writable byte, "
                     "read-only byte untouched", r.len, last);
        } else {
            r.kind = K_OTHER;
            snprintf(r.what, sizeof r.what, "completed len=%u, last writable byte 0x%x", r.len, last);
        }
    }
    return r;
}

static struct result c_no_writable(uint32_t *accept)
{
    *accept = A_SPEC;
    set_hdr(BLK_T_IN, 0);
    put_desc(bq.desc, 0, (uint64_t)hdr, sizeof *hdr, VIRTQ_DESC_F_NEXT, 1);
    put_desc(bq.desc, 1, (uint64_t)data, 512, VIRTQ_DESC_F_NEXT, 2);
    put_desc(bq.desc, 2, (uint64_t)status, 1, 0, 0);
    publish(&bq, 0);
    struct result r = observe(&bq, NULL);
    if (r.kind != K_NEEDS_RESET && r.kind != K_TIMEOUT && *status != POISON) {
        r.kind = K_OTHER;
        snprintf(r.what, sizeof r.what, "completed len=%u and wrote a device-readable buffer", r.len);
    }
    return r;
}

static struct result c_data_not_sector_multiple(uint32_t *accept)
{
    *accept = A_SPEC;
    return read_request((uint64_t)data, 100);
}

static struct result c_head_out_of_range(uint32_t *accept)
{
    *accept = A_SPEC;
    valid_table((struct virtq_desc *)bq.desc);
    publish(&bq, (uint16_t)(bq.size + 3));
    return observe(&bq, NULL);
}

static struct result c_avail_idx_jump(uint32_t *accept)
{
    *accept = A_SPEC;
    valid_table((struct virtq_desc *)bq.desc);
    for (uint16_t i = 0; i < bq.size; i++)
        bq.avail->ring[i] = 0;
    bq.chain_len[0] = 1;
    bq.busy[0] = 1;
    bq.avail_shadow = (uint16_t)(bq.size + 1);   /* more entries than the ring holds */
    return observe(&bq, status);
}

static struct result c_desc_table_unaligned(uint32_t *accept)
{
    /* The 16-byte alignment (2.7) binds the driver; the device may process it (x86 does not care),
     * refuse QueueReady, or report DEVICE_NEEDS_RESET. */
    *accept = A_SPEC | A_NOT_READY | A_OK;
    bool nr;
    uint64_t desc = (uint64_t)bq.desc + 8;
    if (!blk_init_at(desc, (uint64_t)bq.avail, (uint64_t)bq.used, &nr))
        return not_ready_result();
    valid_table((struct virtq_desc *)desc);
    publish(&bq, 0);
    return observe(&bq, status);
}

static struct result c_desc_table_outside_ram(uint32_t *accept)
{
    *accept = A_SPEC | A_NOT_READY;
    bool nr;
    if (!blk_init_at(BAD_ADDR, (uint64_t)bq.avail, (uint64_t)bq.used, &nr))
        return not_ready_result();
    publish(&bq, 0);
    return observe(&bq, NULL);
}

static struct result c_used_ring_outside_ram(uint32_t *accept)
{
    *accept = A_RESET | A_NOT_READY;
    bool nr;
    if (!blk_init_at((uint64_t)bq.desc, (uint64_t)bq.avail, BAD_ADDR, &nr))
        return not_ready_result();
    valid_table((struct virtq_desc *)bq.desc);
    publish(&bq, 0);
    struct result r = observe(&bq, status);
    return r;
}

static struct result c_avail_ring_outside_ram(uint32_t *accept)
{
    *accept = A_RESET | A_NOT_READY;
    bool nr;
    if (!blk_init_at((uint64_t)bq.desc, BAD_ADDR, (uint64_t)bq.used, &nr))
        return not_ready_result();
    valid_table((struct virtq_desc *)bq.desc);
    return observe(&bq, status);   /* avail idx is written to our (unused) ring: only the notify counts */
}

/* ------------------------------------------------------------------ rng cases */

static struct result c_rng_readonly_buffer(uint32_t *accept)
{
    *accept = A_SPEC;
    fill64(data, 0x5a5a5a5a5a5a5a5aUL, 64);
    put_desc(rq.desc, 0, (uint64_t)data, 64, 0, 0);
    publish(&rq, 0);
    struct result r = observe(&rq, NULL);
    if (r.kind != K_NEEDS_RESET && r.kind != K_TIMEOUT) {
        const uint64_t *p = (const uint64_t *)data;
        bool untouched = true;
        for (int i = 0; i < 8; i++)
            untouched &= p[i] == 0x5a5a5a5a5a5a5a5aUL;
        if (!untouched) {
            r.kind = K_OTHER;
            snprintf(r.what, sizeof r.what, "completed len=%u and wrote a device-readable buffer", r.len);
        }
    }
    return r;
}

static struct result c_rng_outside_ram(uint32_t *accept)
{
    *accept = A_SPEC;
    put_desc(rq.desc, 0, BAD_ADDR, 64, VIRTQ_DESC_F_WRITE, 0);
    publish(&rq, 0);
    return observe(&rq, NULL);
}

/* ------------------------------------------------------------------ runner */

struct hcase {
    const char *name;
    struct result (*fn)(uint32_t *accept);
    bool rng;               /* runs on the rng device */
    bool needs_indirect;
    bool qemu_unsafe;       /* QEMU 7.2's outcome is outside the allowed set (skipped with qemu_safe=1) */
    bool own_init;          /* the case initializes the queue itself */
};

static const struct hcase cases[] = {
    { "desc_addr_outside_ram", c_addr_outside_ram, false, false, true, false },
    { "desc_len_wraps", c_len_wraps, false, false, true, false },
    { "desc_len_beyond_ram", c_len_beyond_ram, false, false, false, false },
    { "desc_loop", c_desc_loop, false, false, false, false },
    { "desc_next_out_of_range", c_next_out_of_range, false, false, false, false },
    { "chain_longer_than_queue", c_chain_too_long, false, true, true, false },
    { "indirect_len_not_multiple_of_16", c_indirect_bad_len, false, true, false, false },
    { "indirect_len_zero", c_indirect_len_zero, false, true, false, false },
    { "indirect_nested", c_indirect_nested, false, true, false, false },
    { "indirect_with_next", c_indirect_and_next, false, true, true, false },
    { "indirect_table_outside_ram", c_indirect_outside_ram, false, true, false, false },
    { "header_device_writable", c_header_writable, false, false, false, false },
    { "header_too_short", c_header_too_short, false, false, false, false },
    { "status_device_readable", c_status_readonly, false, false, false, false },
    { "no_device_writable_descriptor", c_no_writable, false, false, false, false },
    { "data_not_sector_multiple", c_data_not_sector_multiple, false, false, false, false },
    { "avail_head_out_of_range", c_head_out_of_range, false, false, false, false },
    { "avail_idx_jump", c_avail_idx_jump, false, false, false, false },
    { "desc_table_unaligned", c_desc_table_unaligned, false, false, false, true },
    { "desc_table_outside_ram", c_desc_table_outside_ram, false, false, false, true },
    { "avail_ring_outside_ram", c_avail_ring_outside_ram, false, false, true, true },
    { "used_ring_outside_ram", c_used_ring_outside_ram, false, false, true, true },
    { "rng_device_readable_buffer", c_rng_readonly_buffer, true, false, true, false },
    { "rng_buffer_outside_ram", c_rng_outside_ram, true, false, true, false },
};

static const char *kind_name(enum kind k)
{
    static const char *const names[] = { "error status", "len 0", "DEVICE_NEEDS_RESET", "QueueReady refused",
                                         "status OK", "timeout", "unexpected" };
    return names[k];
}

/* A read of sector 0 through the kit's normal path. Returns the status or -1. */
static int blk_read0(void)
{
    set_hdr(BLK_T_IN, 0);
    struct vbuf b[3] = {
        { (uint64_t)hdr, sizeof *hdr, false },
        { (uint64_t)data, 512, true },
        { (uint64_t)status, 1, true },
    };
    if (virtq_add(&bq, b, 3, false) < 0)
        return -1;
    virtq_kick(&bq);
    uint32_t id, len;
    return virtq_wait(&bq, &id, &len, timeout) == VQ_DONE ? *status : -1;
}

static int blk_rw(uint32_t type, uint64_t sector, void *buf, uint32_t nsect)
{
    set_hdr(type, sector);
    struct vbuf b[3] = {
        { (uint64_t)hdr, sizeof *hdr, false },
        { (uint64_t)buf, nsect * 512, type == BLK_T_IN },
        { (uint64_t)status, 1, true },
    };
    if (virtq_add(&bq, b, 3, false) < 0)
        return -1;
    virtq_kick(&bq);
    uint32_t id, len;
    return virtq_wait(&bq, &id, &len, timeout) == VQ_DONE ? *status : -1;
}

static uint32_t rng_read(uint32_t n, uint32_t *distinct)
{
    static uint8_t seen[256];
    memset(seen, 0, sizeof seen);
    *distinct = 0;
    uint32_t got = 0;
    for (int req = 0; req < 8 && got < n; req++) {
        fill64(data, 0, 512);
        struct vbuf b = { (uint64_t)data, 256, true };
        if (virtq_add(&rq, &b, 1, false) < 0)
            break;
        virtq_kick(&rq);
        uint32_t id, len;
        if (virtq_wait(&rq, &id, &len, timeout) != VQ_DONE)
            break;
        for (uint32_t i = 0; i < len && i < 256; i++) {
            if (!seen[data[i]]) {
                seen[data[i]] = 1;
                (*distinct)++;
            }
        }
        got += len;
    }
    return got;
}

static void run_case(const struct hcase *c)
{
    if (c->rng && !have_rng) {
        printf("hostile: %s: skipped (no virtio-rng device)\n", c->name);
        return;
    }
    if (c->qemu_unsafe && param_u64("qemu_safe", 0)) {
        printf("hostile: %s: skipped (qemu_safe=1)\n", c->name);
        return;
    }
    bool ok_init = c->rng ? rng_init() : c->own_init ? true : blk_init();
    if (!CHECK(ok_init, "%s: device initialized before the case", c->name))
        return;
    if (c->needs_indirect && !bq.indirect) {
        printf("hostile: %s: skipped (VIRTIO_F_INDIRECT_DESC not offered)\n", c->name);
        return;
    }
    uint32_t accept = 0;
    struct result r = c->fn(&accept);
    printf("hostile: %s: %s\n", c->name, r.what);
    CHECK(accept & (1u << r.kind), "%s: outcome allowed (%s)", c->name, kind_name(r.kind));
    if (r.kind == K_NEEDS_RESET && !c->own_init) {
        /* 2.1.2: with DRIVER_OK set, setting DEVICE_NEEDS_RESET MUST come with a configuration
         * change notification (InterruptStatus bit 1 on MMIO). */
        struct virtio_dev *d = c->rng ? &rng : &blk;
        uint32_t is = 0;
        for (int i = 0; i < 2000 && !(is & VIRTIO_MMIO_INT_CONFIG); i++)
            is = vio_read(d, VIRTIO_MMIO_INTERRUPT_STATUS);
        CHECK(is & VIRTIO_MMIO_INT_CONFIG, "%s: configuration change notification with DEVICE_NEEDS_RESET "
              "(InterruptStatus 0x%x)", c->name, is);
    }
    /* Recovery: reset, re-initialize, serve a read. */
    bool again = c->rng ? rng_init() : blk_init();
    CHECK(again && !(virtio_status(c->rng ? &rng : &blk) & VIRTIO_STATUS_DEVICE_NEEDS_RESET),
          "%s: device reset and re-initialized", c->name);
    if (again && !c->rng) {
        int st = blk_read0();
        CHECK(st == BLK_S_OK, "%s: blk device serves a read afterwards (status %d)", c->name, st);
    } else if (again) {
        uint32_t d;
        CHECK(rng_read(64, &d) >= 64, "%s: rng device returns data afterwards", c->name);
    }
}

/* ------------------------------------------------------------------ register garbage */

static void mmio_garbage(void)
{
    struct virtio_dev *d = &blk;
    virtio_reset(d);
    uint32_t magic = vio_read(d, VIRTIO_MMIO_MAGIC), ver = vio_read(d, VIRTIO_MMIO_VERSION);
    uint32_t id = vio_read(d, VIRTIO_MMIO_DEVICE_ID), vendor = vio_read(d, VIRTIO_MMIO_VENDOR_ID);
    /* Writes to read-only registers (4.2.2: a driver MUST NOT). */
    static const uint32_t ro_regs[] = { VIRTIO_MMIO_MAGIC, VIRTIO_MMIO_VERSION, VIRTIO_MMIO_DEVICE_ID,
                                        VIRTIO_MMIO_VENDOR_ID, VIRTIO_MMIO_DEVICE_FEATURES,
                                        VIRTIO_MMIO_QUEUE_NUM_MAX, VIRTIO_MMIO_INTERRUPT_STATUS,
                                        VIRTIO_MMIO_CONFIG_GENERATION, 0x0b0, 0x0b8 };
    for (unsigned i = 0; i < sizeof ro_regs / sizeof ro_regs[0]; i++)
        vio_write(d, ro_regs[i], 0xffffffffu);
    bool same = vio_read(d, VIRTIO_MMIO_MAGIC) == magic && vio_read(d, VIRTIO_MMIO_VERSION) == ver &&
                vio_read(d, VIRTIO_MMIO_DEVICE_ID) == id && vio_read(d, VIRTIO_MMIO_VENDOR_ID) == vendor;
    printf("hostile: mmio read-only registers written: identity registers %s\n", same ? "unchanged" : "CHANGED");
    CHECK(same, "mmio: MagicValue/Version/DeviceID/VendorID unchanged after writes");
    /* Reads of write-only registers (a driver MUST NOT; the device must answer something). */
    printf("hostile: mmio write-only registers read: QueueNotify=0x%x InterruptACK=0x%x QueueSel=0x%x "
           "DriverFeatures=0x%x\n",
           vio_read(d, VIRTIO_MMIO_QUEUE_NOTIFY), vio_read(d, VIRTIO_MMIO_INTERRUPT_ACK),
           vio_read(d, VIRTIO_MMIO_QUEUE_SEL), vio_read(d, VIRTIO_MMIO_DRIVER_FEATURES));
    /* Feature windows beyond the 64 defined bits. */
    vio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 7);
    uint32_t f7 = vio_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
    vio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0xffffffffu);
    uint32_t fmax = vio_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
    vio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 5);
    vio_write(d, VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffffu);
    printf("hostile: mmio DeviceFeaturesSel=7 reads 0x%x, =0xffffffff reads 0x%x\n", f7, fmax);
    if (param_u64("qemu_safe", 0))
        printf("hostile: mmio feature windows beyond bit 63: check skipped (qemu_safe=1)\n");
    else
        CHECK(f7 == 0 && fmax == 0, "mmio: DeviceFeatures windows beyond bit 63 read 0");
    /* Queue selector out of range. */
    vio_write(d, VIRTIO_MMIO_QUEUE_SEL, 1);
    uint32_t max1 = vio_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
    CHECK(max1 == 0, "mmio: QueueSel=1 (no such queue on a single-queue blk) reads QueueNumMax 0 (got %u)", max1);
    vio_write(d, VIRTIO_MMIO_QUEUE_NUM, 8);
    vio_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
    uint32_t ready1 = vio_read(d, VIRTIO_MMIO_QUEUE_READY);
    vio_write(d, VIRTIO_MMIO_QUEUE_SEL, 0xffffu);
    uint32_t maxffff = vio_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
    vio_write(d, VIRTIO_MMIO_QUEUE_NUM, 0xffffffffu);
    vio_write(d, VIRTIO_MMIO_QUEUE_SEL, 0xffffffffu);
    uint32_t maxall = vio_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
    vio_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
    printf("hostile: mmio QueueSel=1 QueueNumMax=%u QueueReady after writing 1: %u; QueueSel=0xffff QueueNumMax=%u; "
           "QueueSel=0xffffffff QueueNumMax=%u\n",
           max1, ready1, maxffff, maxall);
    /* Notifications for nonexistent queues, garbage ACKs, wrong-size accesses, config writes. */
    vio_write(d, VIRTIO_MMIO_QUEUE_NOTIFY, 5);
    vio_write(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffffu);
    vio_write(d, VIRTIO_MMIO_INTERRUPT_ACK, 0xffffffffu);
    *(volatile uint8_t *)(d->base + VIRTIO_MMIO_STATUS) = 0xff;
    uint16_t m16 = *(volatile uint16_t *)(d->base + VIRTIO_MMIO_MAGIC);
    *(volatile uint16_t *)(d->base + VIRTIO_MMIO_QUEUE_NOTIFY + 2) = 0xffff;
    uint64_t cap = virtio_cfg64(d, 0);
    vio_write(d, VIRTIO_MMIO_CONFIG + 0, 0x12345678u);
    vio_write(d, VIRTIO_MMIO_CONFIG + 4, 0x9abcdef0u);
    vio_write(d, 0x1fc, 0xffffffffu);
    uint32_t tail = vio_read(d, 0x1fc);
    uint64_t cap2 = virtio_cfg64(d, 0);
    printf("hostile: mmio 16-bit read of MagicValue=0x%x; config read at 0x1fc=0x%x; capacity 0x%lx -> 0x%lx after "
           "writes\n",
           m16, tail, cap, cap2);
    CHECK(cap == cap2, "mmio: capacity unchanged after config-space writes");
    /* DRIVER_OK without FEATURES_OK, then a notify for an unconfigured queue. */
    virtio_reset(d);
    vio_write(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
    vio_write(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    printf("hostile: mmio DRIVER_OK without FEATURES_OK: status reads 0x%x\n", virtio_status(d));
    /* QueueNum larger than QueueNumMax, zero, not a power of 2, then a correct setup. */
    virtio_reset(d);
    bool okneg = virtio_negotiate(d, 0);
    vio_write(d, VIRTIO_MMIO_QUEUE_SEL, 0);
    uint32_t qmax = vio_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
    vio_write(d, VIRTIO_MMIO_QUEUE_NUM, qmax * 2);
    vio_write(d, VIRTIO_MMIO_QUEUE_NUM, 0);
    vio_write(d, VIRTIO_MMIO_QUEUE_NUM, 3);
    bool okq = okneg && virtq_setup(&bq, d, 0, qsize);
    if (okq)
        virtio_driver_ok(d);
    int st = okq ? blk_read0() : -1;
    printf("hostile: mmio QueueNum=%u (> QueueNumMax), 0, 3 then a correct setup: read status %d\n", qmax * 2, st);
    CHECK(st == BLK_S_OK, "mmio: device usable after QueueNum garbage");
    /* Queue registers written while QueueReady=1 (4.2.2.2: a driver MUST NOT). */
    if (okq) {
        vio_write(d, VIRTIO_MMIO_QUEUE_SEL, 0);
        vio_write(d, VIRTIO_MMIO_QUEUE_DESC_LOW, 0xdead0000u);
        vio_write(d, VIRTIO_MMIO_QUEUE_NUM, 2);
        int st2 = blk_read0();
        uint32_t s = virtio_status(d);
        printf("hostile: mmio QueueDesc/QueueNum written while ready: read status %d, device status 0x%x\n", st2, s);
        CHECK(st2 == BLK_S_OK || (s & VIRTIO_STATUS_DEVICE_NEEDS_RESET),
              "mmio: writes to a live queue's registers ignored (or DEVICE_NEEDS_RESET)");
    }
    bool again = blk_init();
    int st3 = again ? blk_read0() : -1;
    CHECK(st3 == BLK_S_OK, "mmio: device usable after the register garbage (status %d)", st3);
}

int guest_main(void)
{
    seed = param_u64("seed", 1);
    qsize = (uint16_t)param_u64("qsize", 16);
    if (qsize < 4 || qsize > VIRTQ_MAX_SIZE)
        qsize = 16;
    timeout = virtio_timeout();
    size_t olen;
    const char *only = cmdline_find(boot.cmdline, "only", &olen);

    if (!CHECK(virtio_find(VIRTIO_ID_BLOCK, 0, &blk, false), "virtio-blk device found"))
        return 1;
    have_rng = virtio_find(VIRTIO_ID_ENTROPY, 0, &rng, true);
    CHECK(have_rng, "virtio-rng device found");

    hdr = dma_zalloc(4096, 4096);
    status = (volatile uint8_t *)hdr + 2048;
    data = dma_zalloc(16 * 512, 4096);
    table = dma_zalloc(VIRTQ_MAX_SIZE * 16 + 64, 4096);
    table2 = dma_zalloc(4096, 4096);
    if (!CHECK(hdr && data && table && table2, "DMA memory"))
        return 1;
    if (!CHECK(blk_init(), "blk device initialized"))
        return 1;
    ro = virtio_has(&blk, VIRTIO_BLK_F_RO);
    printf("hostile: blk features=0x%lx queue_size=%u indirect=%d read_only=%d\n", blk.offered, bq.size,
           bq.indirect, ro);

    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (only && (strlen(cases[i].name) != olen || strncmp(cases[i].name, only, olen) != 0))
            continue;
        run_case(&cases[i]);
    }
    if (!only || strncmp(only, "mmio", olen) == 0)
        mmio_garbage();

    /* Afterwards: rng still returns data, blk (re-initialized) still writes and reads. */
    if (have_rng) {
        uint32_t distinct = 0;
        uint32_t got = rng_init() ? rng_read(256, &distinct) : 0;
        printf("hostile: rng after all cases: %u bytes, %u distinct values\n", got, distinct);
        CHECK(got >= 256 && distinct > 1, "rng device still returns random data");
        virtio_reset(&rng);
    }
    bool again = blk_init();
    CHECK(again, "blk device re-initialized after all cases");
    if (again) {
        uint64_t *p = (uint64_t *)data;
        uint64_t sector = 100;
        if (!ro) {
            for (int k = 0; k < 8 * 64; k++)
                p[k] = splitmix64((seed << 32) + sector * 64 + k);
            int st = blk_rw(BLK_T_OUT, sector, data, 8);
            CHECK(st == BLK_S_OK, "blk write of sectors 100..107 after all cases (status %d)", st);
        }
        fill64(data, 0, 8 * 512);
        int st = blk_rw(BLK_T_IN, sector, data, 8);
        uint32_t bad = 0;
        for (int k = 0; k < 8 * 64 && !ro; k++)
            bad += p[k] != splitmix64((seed << 32) + sector * 64 + k);
        CHECK(st == BLK_S_OK && bad == 0, "blk read back of sectors 100..107 after all cases (status %d, %u bad words)",
              st, bad);
    }
    virtio_reset(&blk);
    return 0;
}
