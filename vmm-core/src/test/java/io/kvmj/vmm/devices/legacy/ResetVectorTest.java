package io.kvmj.vmm.devices.legacy;

import io.kvmj.vmm.arch.x86.E820Map;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResetVectorTest {
    @Test
    void stubSitsAtF000FFF0WithinTheLast16BytesBelow1MiB() {
        assertEquals(0xf0000 + 0xfff0, ResetVector.ADDRESS);
        assertTrue(ResetVector.ADDRESS + ResetVector.STUB.length <= 0x100000, "fits before 1 MiB");
    }

    /** The stub must survive the guest's use of RAM: no usable e820 range may cover it, whatever the RAM size. */
    @Test
    void stubIsOutsideEveryUsableE820RangeAndWrittenThere() {
        try (Arena arena = Arena.ofConfined()) {
            for (long mib : List.of(1L, 2L, 64L)) {
                RegionGuestMemory memory = new RegionGuestMemory(List.of(new GuestRegion(0, arena.allocate(mib << 20))));
                for (E820Map.Entry e : E820Map.of(memory.regions())) {
                    boolean overlaps = e.address() < ResetVector.ADDRESS + ResetVector.STUB.length
                            && ResetVector.ADDRESS < e.address() + e.size();
                    assertTrue(e.type() != E820Map.TYPE_RAM || !overlaps, mib + " MiB: " + e);
                }
                ResetVector.write(memory);
                assertArrayEquals(ResetVector.STUB, memory.read(ResetVector.ADDRESS, ResetVector.STUB.length));
            }
        }
    }

    /** Decoded by hand from the 16-bit encoding: the stub writes HARD_RESET to the reset control port. */
    @Test
    void stubWritesAHardResetToPortCf9ThenHalts() {
        byte[] s = ResetVector.STUB;
        assertEquals((byte) 0xba, s[0], "mov dx, imm16");
        assertEquals(ResetControl.PORT, (s[1] & 0xff) | (s[2] & 0xff) << 8);
        assertEquals((byte) 0xb0, s[3], "mov al, imm8");
        assertEquals(ResetControl.HARD_RESET, s[4]);
        assertEquals((byte) 0xee, s[5], "out dx, al");
        assertEquals((byte) 0xf4, s[7], "hlt");
        assertEquals(7, 10 + s[9], "the jmp goes back to the hlt");
    }
}
