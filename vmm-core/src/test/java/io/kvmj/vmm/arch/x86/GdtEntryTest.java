package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.Segment;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GdtEntryTest {
    @Test
    void encodesTheClassicFlatDescriptors() {
        assertEquals(0x00cf9b000000ffffL, GdtEntry.CODE32.encode());
        assertEquals(0x00cf93000000ffffL, GdtEntry.DATA.encode());
        assertEquals(0x008f_8b00_0000_ffffL, GdtEntry.TSS.encode());
        assertEquals(0xab41_9a12_3456_2345L, new GdtEntry(0xab123456L, 0x12345, 0x409a).encode(),
                "base, limit, access byte and flags nibble each land in their split fields");
    }

    @Test
    void hiddenStateMatchesTheDescriptor() {
        assertEquals(new Segment(0, 0xffffffff, 8, 0xb, true, 0, true, true, false, true),
                GdtEntry.CODE32.toSegment(8));
        assertEquals(new Segment(0, 0xffffffff, 0x18, 0xb, true, 0, false, false, false, true),
                GdtEntry.TSS.toSegment(0x18));
    }
}
