/*
 * virtio_rng: reads random bytes from the first virtio entropy device (DeviceID 4) on the
 * command line, in several requests kept in flight, and checks it got them all and that they
 * are not all one value. Params: bytes=N (default 4096), chunk=N (bytes per request, default
 * 512), inflight=N (default 4), indirect=0|1, event_idx=0|1, timeout=M (millions of TSC cycles).
 * Output: "virtio_rng: bytes=<n> distinct=<count of distinct byte values>".
 */
#include "virtio.h"

const char guest_name[] = "virtio_rng";

#define POISON 0x5a5a5a5a5a5a5a5aUL

static struct virtio_dev dev;
static struct virtq vq;

int guest_main(void)
{
    uint64_t bytes = param_u64("bytes", 4096);
    uint64_t chunk = param_u64("chunk", 512);
    uint64_t inflight = param_u64("inflight", 4);
    bool want_indirect = param_u64("indirect", 0) != 0;
    bool want_event_idx = param_u64("event_idx", 0) != 0;
    uint64_t timeout = virtio_timeout();
    chunk = (chunk + 7) & ~7UL;
    if (chunk == 0 || chunk > 65536)
        chunk = 512;
    if (inflight == 0)
        inflight = 1;

    if (!CHECK(virtio_find(VIRTIO_ID_ENTROPY, 0, &dev, false), "virtio entropy device found on the command line"))
        return 1;
    uint64_t wanted = (want_indirect ? VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) : 0) |
                      (want_event_idx ? VIRTIO_BIT(VIRTIO_F_EVENT_IDX) : 0);
    if (!CHECK(virtio_negotiate(&dev, wanted), "feature negotiation (FEATURES_OK kept)"))
        return 1;
    if (!CHECK(virtq_setup(&vq, &dev, 0, 64), "requestq set up"))
        return 1;
    uint32_t qmax = (vio_write(&dev, VIRTIO_MMIO_QUEUE_SEL, 0), vio_read(&dev, VIRTIO_MMIO_QUEUE_NUM_MAX));
    virtio_driver_ok(&dev);
    bool ind = vq.indirect;
    if (inflight > vq.size)
        inflight = vq.size;
    printf("virtio_rng: features=0x%lx accepted=0x%lx queue_num_max=%u queue_size=%u chunk=%lu inflight=%lu "
           "indirect=%d event_idx=%d\n",
           dev.offered, dev.accepted, qmax, vq.size, chunk, inflight, ind, vq.event_idx);

    uint8_t *bufs = dma_alloc(inflight * chunk, 4096);
    static uint8_t seen[256];
    uint32_t distinct = 0;
    if (!CHECK(bufs != NULL, "DMA memory"))
        return 1;
    static int16_t buf_of_head[VIRTQ_MAX_SIZE];
    bool busy[64] = { false };
    if (inflight > 64)
        inflight = 64;

    uint64_t got = 0, requests = 0, outstanding = 0;
    uint32_t min_len = ~0u, max_len = 0, bad_len = 0;
    bool failed = false;
    while (got < bytes || outstanding) {
        while (!failed && outstanding < inflight && got + outstanding * chunk < bytes) {
            uint32_t b = 0;
            while (busy[b])
                b++;
            uint8_t *p = bufs + b * chunk;
            fill64(p, POISON, chunk);
            struct vbuf v = { (uint64_t)p, (uint32_t)chunk, true };
            int head = virtq_add(&vq, &v, 1, ind);
            if (head < 0) {
                CHECK(false, "virtq_add failed");
                failed = true;
                break;
            }
            busy[b] = true;
            buf_of_head[head] = (int16_t)b;
            outstanding++;
        }
        if (!outstanding)
            break;
        virtq_kick(&vq);
        uint32_t id, len;
        int r = virtq_wait(&vq, &id, &len, timeout);
        if (r != VQ_DONE) {
            CHECK(false, "%s waiting for random bytes (got %lu of %lu)",
                  r == VQ_TIMEOUT ? "timeout" : "DEVICE_NEEDS_RESET", got, bytes);
            failed = true;
            break;
        }
        if (id >= vq.size) {
            CHECK(false, "used id %u out of range", id);
            failed = true;
            break;
        }
        uint32_t b = (uint32_t)buf_of_head[id];
        busy[b] = false;
        outstanding--;
        requests++;
        /* 5.4.6.2: one or more bytes, at most the buffer. */
        if (len == 0 || len > chunk)
            bad_len++;
        if (len < min_len)
            min_len = len;
        if (len > max_len)
            max_len = len;
        uint32_t take = len > chunk ? (uint32_t)chunk : len;
        if (take > bytes - got)
            take = (uint32_t)(bytes - got);
        const uint8_t *p = bufs + b * chunk;
        for (uint32_t i = 0; i < take; i++) {
            if (!seen[p[i]]) {
                seen[p[i]] = 1;
                distinct++;
            }
        }
        got += take;
    }
    printf("virtio_rng: requests=%lu len min=%u max=%u notifies=%lu suppressed=%lu\n", requests,
           requests ? min_len : 0, max_len, vq.notifies, vq.notifies_suppressed);
    printf("virtio_rng: bytes=%lu distinct=%u\n", got, distinct);
    CHECK(got == bytes, "got %lu of %lu random bytes", got, bytes);
    CHECK(bad_len == 0, "every used len in [1, %lu] (%u outside)", chunk, bad_len);
    CHECK(got < 2 || distinct >= 2, "bytes are not all one value (%u distinct)", distinct);
    CHECK(vq.bad_used == 0, "every used id was a head in flight (%u bad)", vq.bad_used);
    uint32_t st = virtio_status(&dev);
    CHECK(!(st & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)), "device status 0x%x at the end", st);
    virtio_reset(&dev);
    return 0;
}
