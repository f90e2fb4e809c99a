package io.kvmj.vmm.arch.x86;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LocalApicTest {
    @Test
    void virtualWireSetsDeliveryModesAndKeepsOtherBits() {
        byte[] page = new byte[1024];
        ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN).putInt(0x350, 0x10700 | 0x400).putInt(0x360, 0x10000);
        ByteBuffer out = ByteBuffer.wrap(LocalApic.withVirtualWire(page)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x10700, out.getInt(0x350), "ExtINT, mask bit kept");
        assertEquals(0x10400, out.getInt(0x360), "NMI");
        assertEquals(0x10700 | 0x400, ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN).getInt(0x350),
                "input untouched");
    }
}
