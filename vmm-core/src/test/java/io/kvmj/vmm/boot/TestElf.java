package io.kvmj.vmm.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds small ELF64 (or, with {@code elf32}, ELF32 i386) images in memory: one PT_LOAD and optionally a PVH note
 * ({@link #linux64()}: none, and e_entry at the load address).
 */
public final class TestElf {
    boolean elf32;
    int machine = 62;
    long loadAddress = 0x100000;
    byte[] payload = {(byte) 0xf4, 1, 2, 3};
    long memSize = 0x2000;
    Long pvhEntry = 0x100000L;
    int pvhEntryBytes = 4;
    /** e_entry; null for a kernel-like virtual address (the PVH path ignores it). */
    Long entry;

    /** An ELF32 i386 image, as a kernel whose PVH entry code is 32-bit may be linked. */
    static TestElf elf32() {
        TestElf elf = new TestElf();
        elf.elf32 = true;
        elf.machine = 3;
        return elf;
    }

    /** An x86_64 ELF without a PVH note, entered at its load address: the 64-bit boot protocol's kind. */
    static TestElf linux64() {
        TestElf elf = new TestElf();
        elf.pvhEntry = null;
        elf.entry = elf.loadAddress;
        return elf;
    }

    public byte[] build() {
        int ehdr = elf32 ? 52 : 64;
        int phdr = elf32 ? 32 : 56;
        int phnum = pvhEntry == null ? 1 : 2;
        int phoff = ehdr;
        int noteOff = phoff + phnum * phdr;
        byte[] name = "Xen\0".getBytes(StandardCharsets.US_ASCII);
        int noteSize = pvhEntry == null ? 0 : 12 + 4 + pvhEntryBytes;
        int dataOff = noteOff + noteSize;
        ByteBuffer b = ByteBuffer.allocate(dataOff + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x464c457f).put((byte) (elf32 ? 1 : 2)).put((byte) 1).put((byte) 1);
        b.position(0x10);
        b.putShort((short) 2).putShort((short) machine).putInt(1);
        word(b, entry != null ? entry : elf32 ? 0xc1000000L : 0xffffffff81000000L).word(b, phoff).word(b, 0);
        b.putInt(0);
        b.putShort((short) ehdr).putShort((short) phdr).putShort((short) phnum);
        b.position(phoff);
        long vaddr = (elf32 ? 0xc0000000L : 0xffffffff80000000L) + loadAddress;
        if (elf32) {
            b.putInt(1).putInt(dataOff).putInt((int) vaddr).putInt((int) loadAddress).putInt(payload.length)
                    .putInt((int) memSize).putInt(7).putInt(0x1000);
        } else {
            b.putInt(1).putInt(7).putLong(dataOff).putLong(vaddr).putLong(loadAddress)
                    .putLong(payload.length).putLong(memSize).putLong(0x1000);
        }
        if (pvhEntry != null) {
            if (elf32) {
                b.putInt(4).putInt(noteOff).putInt(0).putInt(0).putInt(noteSize).putInt(noteSize).putInt(4).putInt(4);
            } else {
                b.putInt(4).putInt(4).putLong(noteOff).putLong(0).putLong(0).putLong(noteSize).putLong(noteSize)
                        .putLong(4);
            }
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

    /** An address-sized field: 4 bytes in ELF32, 8 in ELF64. */
    private TestElf word(ByteBuffer b, long value) {
        if (elf32) {
            b.putInt((int) value);
        } else {
            b.putLong(value);
        }
        return this;
    }
}
