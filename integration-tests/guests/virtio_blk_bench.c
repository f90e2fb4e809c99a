/*
 * virtio_blk_bench: virtio-blk throughput with `qd` requests kept in flight, polling.
 * Params: mode=seqread|seqwrite|randread (default seqread), bs=N (bytes per request, a multiple of
 * 512; default 1M for seq*, 4K for randread), qd=N (default 16), total=N (bytes, default 64M),
 * seed=N (randread offsets), indirect=0|1 (default 1), event_idx=0|1 (default 1), timeout=M.
 * Each of the qd slots owns a fixed chain (header, its own bs-sized window of one large buffer,
 * status) built once; a completed slot is re-offered with only its header's sector changed, so
 * the guest neither copies nor checks data (CPL0 memory accesses are emulated on the PVM host).
 * The buffer region is pre-faulted (one store per page) before the clock starts.
 * Output:
 *   bench: mode=<m> bs=<n> qd=<n> bytes=<n> tsc=<cycles>
 *   bench: tsc_hz=<hz> source=<kvmclock|cpuid15|cpuid16|none> requests=<n> notifies=<n>
 *   bench: MBps=<MB/s, 10^6 bytes, one decimal, or "unknown" without a TSC frequency>
 */
#include "virtio.h"

const char guest_name[] = "virtio_blk_bench";

#define BLK_T_IN 0
#define BLK_T_OUT 1
#define BLK_S_OK 0

struct blk_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

static struct virtio_dev dev;
static struct virtq vq;
static struct blk_hdr *hdrs;
static volatile uint8_t *stats;  /* status bytes, 16 bytes apart */
static int16_t slot_of_head[VIRTQ_MAX_SIZE];

enum { SEQREAD, SEQWRITE, RANDREAD };

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

int guest_main(void)
{
    size_t mlen;
    const char *m = cmdline_find(boot.cmdline, "mode", &mlen);
    int mode = SEQREAD;
    const char *mode_name = "seqread";
    if (m && mlen == 8 && strncmp(m, "seqwrite", 8) == 0) {
        mode = SEQWRITE;
        mode_name = "seqwrite";
    } else if (m && mlen == 8 && strncmp(m, "randread", 8) == 0) {
        mode = RANDREAD;
        mode_name = "randread";
    } else if (m && !(mlen == 7 && strncmp(m, "seqread", 7) == 0)) {
        CHECK(false, "mode must be seqread, seqwrite or randread");
        return 1;
    }
    uint64_t bs = param_u64("bs", mode == RANDREAD ? 4096 : 1 * MiB);
    uint64_t qd = param_u64("qd", 16);
    uint64_t total = param_u64("total", 64 * MiB);
    uint64_t seed = param_u64("seed", 1);
    bool want_indirect = param_u64("indirect", 1) != 0;
    bool want_event_idx = param_u64("event_idx", 1) != 0;
    uint64_t timeout = virtio_timeout();
    if (!CHECK(bs >= 512 && bs % 512 == 0 && bs <= 64 * MiB, "bs=%lu is a multiple of 512 (<= 64M)", bs))
        return 1;
    if (qd == 0)
        qd = 1;

    if (!CHECK(virtio_find(VIRTIO_ID_BLOCK, 0, &dev, false), "virtio-blk device found"))
        return 1;
    uint64_t wanted = (want_indirect ? VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) : 0) |
                      (want_event_idx ? VIRTIO_BIT(VIRTIO_F_EVENT_IDX) : 0) | VIRTIO_BIT(5) /* RO */;
    if (!CHECK(virtio_negotiate(&dev, wanted), "feature negotiation"))
        return 1;
    if (!CHECK(virtq_setup(&vq, &dev, 0, VIRTQ_MAX_SIZE), "requestq set up"))
        return 1;
    virtio_driver_ok(&dev);
    uint64_t capacity = virtio_cfg64(&dev, 0);
    bool ind = vq.indirect;
    uint64_t max_qd = ind ? vq.size : vq.size / 3;
    if (qd > max_qd) {
        printf("bench: qd %lu clamped to %lu (queue size %u)\n", qd, max_qd, vq.size);
        qd = max_qd;
    }
    uint64_t spr = bs / 512;           /* sectors per request */
    if (!CHECK(capacity >= spr, "capacity %lu sectors holds one request", capacity))
        return 1;
    if (mode == SEQWRITE && virtio_has(&dev, 5)) {
        CHECK(false, "seqwrite on a read-only device");
        return 1;
    }
    uint64_t nreq = (total + bs - 1) / bs;
    printf("bench: capacity=%lu queue_size=%u indirect=%d event_idx=%d requests=%lu\n", capacity, vq.size, ind,
           vq.event_idx, nreq);

    uint8_t *buf = dma_alloc(qd * bs, 2 * MiB);
    hdrs = dma_zalloc(qd * sizeof(struct blk_hdr), 64);
    stats = dma_zalloc(qd * 16, 64);
    if (!CHECK(buf && hdrs && stats, "DMA memory: %lu MiB of request buffers", qd * bs / MiB))
        return 1;

    /* Pre-fault the buffer region (one store per 4 KiB page, untimed): the first device access to
     * a guest page otherwise pays the host's first-touch fault inside the measurement. */
    for (uint64_t off = 0; off < qd * bs; off += 4096)
        *(volatile uint64_t *)(buf + off) = off;

    /* One fixed chain per slot; completed chains are re-offered as they are. */
    vq.keep_chains = true;
    virtq_set_irq(&vq, false);
    uint32_t type = mode == SEQWRITE ? BLK_T_OUT : BLK_T_IN;
    uint64_t rng = seed * 0x9e3779b97f4a7c15UL + 1, next_seq = 0, blocks = capacity / spr;
    uint64_t issued = 0, done = 0, errors = 0, bad_id = 0;
    uint64_t t0 = rdtsc();
    for (uint64_t i = 0; i < qd && issued < nreq; i++, issued++) {
        hdrs[i].type = type;
        hdrs[i].sector = mode == RANDREAD ? (xorshift(&rng) % blocks) * spr : next_seq;
        if (mode != RANDREAD && (next_seq += spr) + spr > capacity)
            next_seq = 0;
        struct vbuf b[3] = {
            { (uint64_t)&hdrs[i], sizeof(struct blk_hdr), false },
            { (uint64_t)(buf + i * bs), (uint32_t)bs, mode != SEQWRITE },
            { (uint64_t)&stats[i * 16], 1, true },
        };
        int head = virtq_add(&vq, b, 3, ind);
        if (!CHECK(head >= 0, "virtq_add"))
            return 1;
        slot_of_head[head] = (int16_t)i;
    }
    virtq_kick(&vq);
    while (done < issued) {
        uint32_t id, len;
        int r = virtq_wait(&vq, &id, &len, timeout);
        if (r != VQ_DONE) {
            CHECK(false, "%s after %lu of %lu requests", r == VQ_TIMEOUT ? "timeout" : "DEVICE_NEEDS_RESET", done,
                  nreq);
            break;
        }
        /* Drain everything that is already used, then re-offer and kick once. */
        do {
            done++;
            if (id >= vq.size) {
                bad_id++;
                continue;
            }
            int16_t i = slot_of_head[id];
            if (stats[i * 16] != BLK_S_OK)
                errors++;
            if (issued < nreq) {
                hdrs[i].sector = mode == RANDREAD ? (xorshift(&rng) % blocks) * spr : next_seq;
                if (mode != RANDREAD && (next_seq += spr) + spr > capacity)
                    next_seq = 0;
                virtq_resubmit(&vq, (uint16_t)id);
                issued++;
            }
        } while (virtq_get_used(&vq, &id, &len));
        virtq_kick(&vq);
    }
    uint64_t cycles = rdtsc() - t0;
    uint64_t bytes = done * bs;
    CHECK(done == nreq && errors == 0 && bad_id == 0 && vq.bad_used == 0,
          "%lu of %lu requests completed, %lu with an error status, %lu bad ids", done, nreq, errors,
          bad_id + vq.bad_used);
    const char *src;
    uint64_t hz = tsc_hz(&src);
    printf("bench: mode=%s bs=%lu qd=%lu bytes=%lu tsc=%lu\n", mode_name, bs, qd, bytes, cycles);
    printf("bench: tsc_hz=%lu source=%s requests=%lu notifies=%lu suppressed=%lu\n", hz, src, done, vq.notifies,
           vq.notifies_suppressed);
    if (hz >= 1000000 && cycles) {
        /* No floating point: elapsed microseconds, then bytes per microsecond = MB/s. */
        uint64_t us = cycles * 1000 / (hz / 1000);
        if (us == 0)
            us = 1;
        uint64_t tenths = bytes * 10 / us;
        printf("bench: MBps=%lu.%lu iops=%lu us=%lu\n", tenths / 10, tenths % 10, done * 1000000 / us, us);
    } else {
        printf("bench: MBps=unknown (no TSC frequency; compute bytes / (tsc / tsc_hz) on the host)\n");
    }
    virtio_reset(&dev);
    return 0;
}
