package io.kvmj.vmm.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds small ELF64 images in memory: one PT_LOAD and optionally a PVH note. */
final class TestElf {
    int machine = 62;
    long loadAddress = 0x100000;
    byte[] payload = {(byte) 0xf4, 1, 2, 3};
    long memSize = 0x2000;
    Long pvhEntry = 0x100000L;
    int pvhEntryBytes = 4;

    byte[] build() {
        int phnum = pvhEntry == null ? 1 : 2;
        int phoff = 64;
        int noteOff = phoff + phnum * 56;
        byte[] name = "Xen\0".getBytes(StandardCharsets.US_ASCII);
        int noteSize = pvhEntry == null ? 0 : 12 + 4 + pvhEntryBytes;
        int dataOff = noteOff + noteSize;
        ByteBuffer b = ByteBuffer.allocate(dataOff + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x464c457f).put((byte) 2).put((byte) 1).put((byte) 1);
        b.position(0x10);
        b.putShort((short) 2).putShort((short) machine).putInt(1);
        b.putLong(0xffffffff81000000L).putLong(phoff).putLong(0).putInt(0);
        b.putShort((short) 64).putShort((short) 56).putShort((short) phnum);
        b.position(phoff);
        b.putInt(1).putInt(7).putLong(dataOff).putLong(0xffffffff80000000L + loadAddress).putLong(loadAddress)
                .putLong(payload.length).putLong(memSize).putLong(0x1000);
        if (pvhEntry != null) {
            b.putInt(4).putInt(4).putLong(noteOff).putLong(0).putLong(0).putLong(noteSize).putLong(noteSize)
                    .putLong(4);
            b.position(noteOff);
            b.putInt(name.length).putInt(pvhEntryBytes).putInt(PvhElfLoader.XEN_ELFNOTE_PHYS32_ENTRY).put(name);
            if (pvhEntryBytes == 8) {
                b.putLong(pvhEntry);
            } else {
                b.putInt((int) (long) pvhEntry);
            }
        }
        b.position(dataOff);
        b.put(payload);
        return b.array();
    }
}
