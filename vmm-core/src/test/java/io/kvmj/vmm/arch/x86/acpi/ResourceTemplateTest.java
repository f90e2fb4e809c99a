package io.kvmj.vmm.arch.x86.acpi;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ResourceTemplateTest {
    @Test
    void ioDescriptor() {
        // IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
        byte[] d = new ResourceTemplate().io(0x3f8, 0x3f8, 1, 8).descriptors();
        assertArrayEquals(hex("47 01 f8 03 f8 03 01 08"), Arrays.copyOf(d, 8));
    }

    @Test
    void memory32FixedDescriptor() {
        // Memory32Fixed (ReadWrite, 0xD0000000, 0x00001000)
        byte[] d = new ResourceTemplate().memory32Fixed(true, 0xd000_0000L, 0x1000).descriptors();
        assertArrayEquals(hex("86 09 00 01 00 00 00 d0 00 10 00 00"), Arrays.copyOf(d, 12));
        assertThrows(IllegalArgumentException.class,
                () -> new ResourceTemplate().memory32Fixed(true, 0xffff_f000L, 0x2000));
    }

    @Test
    void extendedInterruptDescriptor() {
        // Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, ) { 0x00000005 }
        byte[] d = new ResourceTemplate().interrupt(true, false, false, 5).descriptors();
        assertArrayEquals(hex("89 06 00 03 01 05 00 00 00"), Arrays.copyOf(d, 9));
        // Interrupt (ResourceConsumer, Level, ActiveLow, Shared, ,, ) { 9, 10 }
        byte[] two = new ResourceTemplate().interrupt(false, true, true, 9, 10).descriptors();
        assertArrayEquals(hex("89 0a 00 0d 02 09 00 00 00 0a 00 00 00"), Arrays.copyOf(two, 13));
        assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate().interrupt(true, false, false));
    }

    @Test
    void endTagChecksumMakesTheTemplateSumToZero() {
        byte[] d = new ResourceTemplate().io(0x3f8, 0x3f8, 1, 8).interrupt(true, false, false, 4).descriptors();
        assertEquals(8 + 9 + 2, d.length);
        assertEquals(0x79, d[d.length - 2] & 0xff);
        assertEquals(0, ByteSink.sum(d, 0, d.length));
        assertArrayEquals(hex("79 87"), new ResourceTemplate().descriptors(), "an empty template: 0x79 + 0x87 = 0x100");
    }

    @Test
    void templateIsAnAmlBuffer() {
        byte[] aml = new ResourceTemplate().io(0x3f8, 0x3f8, 1, 8).toAml();
        // Buffer (0x0A) { 8 bytes of IO, 79 xx }: 11, PkgLength 0x0D, BytePrefix 0x0A
        assertArrayEquals(hex("11 0d 0a 0a 47 01 f8 03 f8 03 01 08 79"), Arrays.copyOf(aml, 13));
        assertEquals(14, aml.length);
    }
}
