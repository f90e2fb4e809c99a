package io.kvmj.vmm.boot.bzimage;

import io.kvmj.vmm.boot.BootException;
import io.kvmj.vmm.boot.ZeroPage;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BzImageTest {
    private final TestBzImage t = new TestBzImage();

    private String failure(byte[] file) {
        String message = assertThrows(BootException.class, () -> BzImage.parse("k", file)).getMessage();
        assertTrue(message.startsWith("k: "), message);
        assertFalse(message.contains("\n"), "one line: " + message);
        return message;
    }

    @Test
    void parsesTheSetupHeader() {
        BzImage image = BzImage.parse("k", t.build());
        assertEquals(0x020f, image.version());
        assertEquals(4, image.setupSects());
        assertEquals(5 * 512, image.kernelOffset());
        assertEquals(0x3000, image.kernelSize());
        assertEquals(ZeroPage.LOADED_HIGH, image.loadFlags());
        assertTrue(image.relocatable());
        assertEquals(0x200000, image.kernelAlignment());
        assertEquals(3, image.xloadFlags());
        assertEquals(0x7ff, image.cmdlineSize());
        assertEquals(0x7fffffff, image.initrdAddrMax());
        assertEquals(0x1000000, image.prefAddress());
        assertEquals(0x400000, image.initSize());
        assertEquals(0x2cc, image.payloadOffset());
        assertEquals(0x1234, image.payloadLength());
        byte[] file = t.build();
        assertArrayEquals(Arrays.copyOfRange(file, 0x1f1, 0x26c), image.setupHeader(),
                "header copied from 0x1f1 to 0x202 + byte at 0x201");
    }

    @Test
    void setupSectsZeroMeansFour() {
        t.setupSects = 0;
        assertEquals(5 * 512, BzImage.parse("k", t.build()).kernelOffset());
        t.setupSects = 30;
        assertEquals(31 * 512, BzImage.parse("k", t.build()).kernelOffset());
    }

    @Test
    void unsignedFieldsStayUnsigned() {
        t.initrdAddrMax = 0xffffffffL;
        t.initSize = 0x80000000L;
        BzImage image = BzImage.parse("k", t.build());
        assertEquals(0xffffffffL, image.initrdAddrMax());
        assertEquals(0x80000000L, image.initSize());
    }

    @Test
    void rejectsFilesWithoutHdrS() {
        byte[] file = t.build();
        file[0x205] = 'X';
        assertTrue(failure(file).contains("not a bzImage"));
        assertTrue(failure(new byte[0x100]).contains("not a bzImage"), "too short to hold the magic");
        assertTrue(failure(new byte[0]).contains("not a bzImage"));
    }

    @Test
    void rejectsOldProtocols() {
        t.version = 0x0206;
        assertEquals("k: boot protocol 2.06 is too old (the 64-bit entry needs 2.12 or newer)", failure(t.build()));
        t.version = 0x020b;
        assertTrue(failure(t.build()).contains("boot protocol 2.11 is too old"));
        t.version = 0x020c;
        assertEquals(0x020c, BzImage.parse("k", t.build()).version());
    }

    @Test
    void rejectsKernelsWithoutA64BitEntry() {
        t.xloadFlags = BzImage.XLF_CAN_BE_LOADED_ABOVE_4G;
        assertTrue(failure(t.build()).contains("no 64-bit entry point (XLF_KERNEL_64"));
    }

    @Test
    void rejectsKernelsThatLoadLow() {
        t.loadFlags = 0;
        assertTrue(failure(t.build()).contains("LOADED_HIGH"));
    }

    @Test
    void rejectsTruncatedFiles() {
        byte[] file = t.build();
        assertTrue(failure(Arrays.copyOf(file, file.length - 1)).contains("truncated bzImage: the setup header "
                + "promises 0x3000 bytes of kernel at offset 0xa00, the file has 0x2fff"));
        assertTrue(failure(Arrays.copyOf(file, 0x800)).contains("truncated bzImage"), "ends in the setup sectors");
        assertTrue(failure(Arrays.copyOf(file, 0x240)).contains("truncated bzImage: the file (576 bytes) ends inside "
                + "the setup header"));
        assertTrue(failure(Arrays.copyOf(file, 0x207)).contains("truncated bzImage"), "ends inside the version");
    }

    @Test
    void loadsOnlySyssizeBytesAndIgnoresATrailingSignature() {
        t.trailer = 0x5c0;
        assertEquals(0x3000, BzImage.parse("k", t.build()).kernelSize());
    }

    @Test
    void rejectsCorruptHeaders() {
        t.headerEnd = 0x250;
        assertTrue(failure(t.build()).contains("setup header claims to end at 0x250"));
        t.headerEnd = 0x300;
        assertTrue(failure(t.build()).contains("setup header claims to end at 0x300"));
        t.headerEnd = 0x26c;
        t.kernelAlignment = 0x300000;
        assertTrue(failure(t.build()).contains("kernel_alignment 0x300000 is not a power of two"));
        t.kernelBytes = 0;
        t.kernelAlignment = 0x200000;
        assertTrue(failure(t.build()).contains("syssize 0"));
    }
}
