package io.kvmj.virtio.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the driver configures: size and ring addresses. */
class QueueValidateTest {
    private final TestRing ring = new TestRing(16, 256);

    @AfterEach
    void close() {
        ring.close();
    }

    private String assertInvalid(String fragment) {
        VirtqueueException e = assertThrows(VirtqueueException.class, () -> ring.queue.validate(ring.mem));
        assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void goodConfiguration() throws Exception {
        ring.queue.validate(ring.mem);
    }

    @Test
    void ringsEndingExactlyAtEndOfRam() throws Exception {
        SplitQueue q = new SplitQueue(16);
        q.size(16);
        q.descTableAddress(TestRing.RAM_SIZE - 16 * 16);
        q.availRingAddress(TestRing.RAM_SIZE - (6 + 2 * 16));
        q.usedRingAddress(TestRing.RAM_SIZE - (6 + 8 * 16) - 2);
        q.validate(ring.mem);
    }

    @Test
    void sizeZero() {
        ring.queue.size(0);
        assertEquals("queue size is 0", assertInvalid("0"));
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 6, 100, 255})
    void sizeNotPowerOfTwo(int size) {
        ring.queue.size(size);
        assertEquals("queue size " + size + " is not a power of two", assertInvalid("power of two"));
    }

    @Test
    void sizeAboveMaximum() {
        ring.queue.size(512);
        assertEquals("queue size 512 is larger than the device's maximum 256", assertInvalid("maximum"));
    }

    @Test
    void sizeNegative() {
        ring.queue.size(-1);
        assertInvalid("queue size 4294967295 is larger than the device's maximum 256");
    }

    @Test
    void descriptorTableUnaligned() {
        ring.queue.descTableAddress(TestRing.DESC + 8);
        assertEquals("descriptor table address 0x1008 is not 16-byte aligned", assertInvalid("aligned"));
    }

    @Test
    void availRingUnaligned() {
        ring.queue.availRingAddress(ring.avail + 1);
        assertInvalid("available ring address 0x1101 is not 2-byte aligned");
    }

    @Test
    void usedRingUnaligned() {
        ring.queue.usedRingAddress(ring.used + 2);
        assertInvalid("used ring address 0x" + Long.toHexString(ring.used + 2) + " is not 4-byte aligned");
    }

    @Test
    void descriptorTableOutsideRam() {
        ring.queue.descTableAddress(TestRing.RAM_SIZE - 16 * 8);
        assertEquals("descriptor table 0xfff80+0x100 is outside guest RAM", assertInvalid("outside guest RAM"));
    }

    @Test
    void availRingOutsideRam() {
        // the ring fits, its used_event field does not
        ring.queue.availRingAddress(TestRing.RAM_SIZE - (4 + 2 * 16));
        assertInvalid("available ring 0xfffdc+0x26 is outside guest RAM");
    }

    @Test
    void usedRingOutsideRam() {
        ring.queue.usedRingAddress(TestRing.RAM_SIZE - (4 + 8 * 16));
        assertInvalid("used ring 0xfff7c+0x86 is outside guest RAM");
    }

    @Test
    void ringAddressWrapsAroundAddressSpace() {
        ring.queue.descTableAddress(0xffff_ffff_ffff_ff00L);
        assertInvalid("outside guest RAM");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 3, 65536, 32769})
    void badMaximumSize(int max) {
        assertThrows(IllegalArgumentException.class, () -> new SplitQueue(max));
    }

    @Test
    void largestMaximumSize() {
        SplitQueue q = new SplitQueue(SplitQueue.MAX_SIZE);
        assertEquals(32768, q.size());
    }
}
