package io.kvmj.vmm.boot.bzimage;

import io.kvmj.vmm.boot.ZeroPage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds synthetic bzImages: a boot sector with a setup header, setup sectors, and a recognizable kernel. */
final class TestBzImage {
    int setupSects = 4;
    int version = 0x020f;
    int loadFlags = ZeroPage.LOADED_HIGH;
    int xloadFlags = BzImage.XLF_KERNEL_64 | BzImage.XLF_CAN_BE_LOADED_ABOVE_4G;
    boolean relocatable = true;
    long kernelAlignment = 0x200000;
    long prefAddress = 0x1000000;
    long initSize = 0x400000;
    long cmdlineSize = 0x7ff;
    long initrdAddrMax = 0x7fffffff;
    int kernelBytes = 0x3000;
    int headerEnd = 0x26c;
    /** Bytes appended after the kernel (a signature, say), which must not be loaded. */
    int trailer = 0;

    long kernelOffset() {
        return (long) ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
    }

    /** The byte the kernel has at offset i (never 0, so a copy is visible in zeroed memory). */
    static byte kernelByte(int i) {
        return (byte) (1 + i % 251);
    }

    byte[] build() {
        int offset = (int) kernelOffset();
        ByteBuffer b = ByteBuffer.allocate(offset + kernelBytes + trailer).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) setupSects);
        b.putInt(0x1f4, (kernelBytes + 15) / 16);
        b.putShort(0x1fa, (short) 0xffff);
        b.putShort(0x1fe, (short) 0xaa55);
        b.put(0x200, (byte) 0xeb).put(0x201, (byte) (headerEnd - 0x202));
        b.put(0x202, (byte) 'H').put(0x203, (byte) 'd').put(0x204, (byte) 'r').put(0x205, (byte) 'S');
        b.putShort(0x206, (short) version);
        b.put(0x211, (byte) loadFlags);
        b.putInt(0x214, 0x100000);
        b.putInt(0x22c, (int) initrdAddrMax);
        b.putInt(0x230, (int) kernelAlignment);
        b.put(0x234, (byte) (relocatable ? 1 : 0));
        b.put(0x235, (byte) 21);
        b.putShort(0x236, (short) xloadFlags);
        b.putInt(0x238, (int) cmdlineSize);
        b.putInt(0x248, 0x2cc);
        b.putInt(0x24c, 0x1234);
        b.putLong(0x258, prefAddress);
        b.putInt(0x260, (int) initSize);
        b.put(0x1ef, (byte) 0xff); // sentinel, as real bzImages have it; must not reach the zero page
        for (int i = 0; i < kernelBytes; i++) {
            b.put(offset + i, kernelByte(i));
        }
        for (int i = 0; i < trailer; i++) {
            b.put(offset + kernelBytes + i, (byte) 0xee);
        }
        return b.array();
    }
}
