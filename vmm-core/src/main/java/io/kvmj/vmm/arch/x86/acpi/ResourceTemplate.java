package io.kvmj.vmm.arch.x86.acpi;

/**
 * ResourceTemplate() {...}: a Buffer of resource descriptors (ACPI 6.3 section 6.4) closed by an End Tag whose
 * checksum makes the template's bytes sum to 0. Only the descriptors kvmj's devices use.
 */
final class ResourceTemplate {
    static final int IO_DESCRIPTOR = 0x47; // small item 0x08, length 7
    static final int MEMORY32_FIXED_DESCRIPTOR = 0x86; // large item 0x06
    static final int EXTENDED_INTERRUPT_DESCRIPTOR = 0x89; // large item 0x09
    static final int END_TAG = 0x79; // small item 0x0f, length 1

    private final ByteSink bytes = new ByteSink();

    /** IO(Decode16, min, max, alignment, length): an I/O port range decoding 16 address bits. */
    ResourceTemplate io(int min, int max, int alignment, int length) {
        checkRange("I/O minimum", min, 0xffff);
        checkRange("I/O maximum", max, 0xffff);
        checkRange("I/O alignment", alignment, 0xff);
        checkRange("I/O length", length, 0xff);
        bytes.u8(IO_DESCRIPTOR).u8(0x01).u16(min).u16(max).u8(alignment).u8(length);
        return this;
    }

    /** Memory32Fixed(ReadWrite or ReadOnly, base, length). */
    ResourceTemplate memory32Fixed(boolean writable, long base, long length) {
        if (base < 0 || length < 0 || base + length > 0x1_0000_0000L) {
            throw new IllegalArgumentException(String.format(
                    "Memory32Fixed 0x%x+0x%x does not fit in 32 bits", base, length));
        }
        bytes.u8(MEMORY32_FIXED_DESCRIPTOR).u16(9).u8(writable ? 1 : 0).u32(base).u32(length);
        return this;
    }

    /**
     * Interrupt(ResourceConsumer, Edge or Level, ActiveHigh or ActiveLow, Exclusive or Shared) {gsis}: the extended
     * interrupt descriptor, which names GSIs directly (no ISA IRQ translation).
     */
    ResourceTemplate interrupt(boolean edge, boolean activeLow, boolean shared, int... gsis) {
        if (gsis.length == 0 || gsis.length > 255) {
            throw new IllegalArgumentException("an Interrupt descriptor lists 1 to 255 interrupts");
        }
        int flags = 0x01 /* consumer */ | (edge ? 0x02 : 0) | (activeLow ? 0x04 : 0) | (shared ? 0x08 : 0);
        bytes.u8(EXTENDED_INTERRUPT_DESCRIPTOR).u16(2 + 4 * gsis.length).u8(flags).u8(gsis.length);
        for (int gsi : gsis) {
            bytes.u32(Integer.toUnsignedLong(gsi));
        }
        return this;
    }

    /** The descriptors plus the End Tag, without the Buffer around them. */
    byte[] descriptors() {
        byte[] body = new ByteSink().bytes(bytes.toArray()).u8(END_TAG).u8(0).toArray();
        body[body.length - 1] = ByteSink.checksum(body, 0, body.length - 1);
        return body;
    }

    /** The template as an AML Buffer object. */
    byte[] toAml() {
        return Aml.buffer(descriptors());
    }

    private static void checkRange(String what, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(what + " out of range: 0x" + Integer.toHexString(value));
        }
    }
}
