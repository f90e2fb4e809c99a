package io.kvmj.vmm.boot;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * A read-only view of an x86 ELF executable, ELF64 (x86_64) or ELF32 (i386: a PVH kernel's entry code is 32-bit,
 * and QEMU boots such kernels too): its loadable segments and its notes, all bounds-checked.
 */
final class ElfImage {
    private static final int PT_LOAD = 1;
    private static final int PT_NOTE = 4;
    private static final int EM_386 = 3;
    private static final int EM_X86_64 = 62;
    private static final byte ELFCLASS32 = 1;
    private static final byte ELFCLASS64 = 2;

    /** One PT_LOAD: file bytes [fileOffset, fileOffset+fileSize) go to guest-physical address, zero-filled to memSize. */
    record LoadSegment(long physAddress, long fileOffset, long fileSize, long memSize) {
    }

    private final String name;
    private final MemorySegment file;
    private final boolean elf64;
    private final long entry;
    private final List<LoadSegment> loads = new ArrayList<>();
    private final List<long[]> notes = new ArrayList<>(); // {offset, size} of each PT_NOTE

    ElfImage(String name, MemorySegment file) {
        this.name = name;
        this.file = file;
        if (file.byteSize() < 52 || file.get(ValueLayout.JAVA_INT_UNALIGNED, 0) != 0x464c457f) {
            throw fail("not an ELF file");
        }
        byte elfClass = file.get(ValueLayout.JAVA_BYTE, 4);
        if (elfClass != ELFCLASS32 && elfClass != ELFCLASS64) {
            throw fail("unknown ELF class " + elfClass + " (neither ELF32 nor ELF64)");
        }
        elf64 = elfClass == ELFCLASS64;
        if (elf64 && file.byteSize() < 64) {
            throw fail("ELF header lies outside the file (truncated or corrupt ELF)");
        }
        if (file.get(ValueLayout.JAVA_BYTE, 5) != 1) {
            throw fail("not a little-endian ELF file");
        }
        int machine = u16(0x12);
        int wantMachine = elf64 ? EM_X86_64 : EM_386;
        if (machine != wantMachine) {
            throw fail("ELF machine is " + machine + ", not " + (elf64 ? "x86_64 (62)" : "i386 (3)"));
        }
        // ELF32 and ELF64 headers hold the same fields, 4- or 8-byte wide, at different offsets (ELF gABI).
        entry = word(0x18);
        long phoff = elf64 ? u64(0x20) : u32(0x1c);
        int phentsize = u16(elf64 ? 0x36 : 0x2a);
        int phnum = u16(elf64 ? 0x38 : 0x2c);
        int phdrSize = elf64 ? 56 : 32;
        if (phentsize != phdrSize && phnum > 0) {
            throw fail("unexpected ELF program header size " + phentsize);
        }
        checkRange(phoff, (long) phnum * phdrSize, "program headers");
        for (int i = 0; i < phnum; i++) {
            long ph = phoff + (long) i * phdrSize;
            int type = file.get(ValueLayout.JAVA_INT_UNALIGNED, ph);
            long offset = elf64 ? u64(ph + 8) : u32(ph + 4);
            long paddr = elf64 ? u64(ph + 24) : u32(ph + 12);
            long filesz = elf64 ? u64(ph + 32) : u32(ph + 16);
            long memsz = elf64 ? u64(ph + 40) : u32(ph + 20);
            if (type == PT_LOAD && memsz > 0) {
                if (Long.compareUnsigned(filesz, memsz) > 0) {
                    throw fail("segment " + i + " has a file size larger than its memory size");
                }
                checkRange(offset, filesz, "segment " + i);
                loads.add(new LoadSegment(paddr, offset, filesz, memsz));
            } else if (type == PT_NOTE) {
                checkRange(offset, filesz, "note segment " + i);
                notes.add(new long[] {offset, filesz});
            }
        }
        if (loads.isEmpty()) {
            throw fail("no loadable segments");
        }
    }

    /**
     * Maps {@code kernel} read-only, parses it and hands it to {@code use}; the mapping ends when {@code use} returns.
     *
     * @throws BootException if the file cannot be read or is no x86 ELF executable with loadable segments
     */
    static <T> T map(Path kernel, Function<ElfImage, T> use) {
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(kernel, StandardOpenOption.READ)) {
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return use.apply(new ElfImage(kernel.toString(), file));
        } catch (IOException e) {
            throw new BootException(kernel + ": cannot read kernel: " + e.getMessage());
        }
    }

    /** e_entry, as written (an address whose meaning depends on the boot protocol). */
    long entry() {
        return entry;
    }

    /** ELF64 (x86_64), as opposed to ELF32 (i386). */
    boolean elf64() {
        return elf64;
    }

    List<LoadSegment> loads() {
        return loads;
    }

    MemorySegment file() {
        return file;
    }

    /** The descriptor of the first note with this owner name and type, as a little-endian number (4 or 8 bytes). */
    OptionalLong noteValue(String owner, int type) {
        byte[] ownerBytes = (owner + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (long[] n : notes) {
            long pos = n[0];
            long end = n[0] + n[1];
            while (end - pos >= 12) {
                long namesz = Integer.toUnsignedLong(file.get(ValueLayout.JAVA_INT_UNALIGNED, pos));
                long descsz = Integer.toUnsignedLong(file.get(ValueLayout.JAVA_INT_UNALIGNED, pos + 4));
                int noteType = file.get(ValueLayout.JAVA_INT_UNALIGNED, pos + 8);
                long name = pos + 12;
                long desc = name + align4(namesz);
                long next = desc + align4(descsz);
                if (next > end) {
                    throw fail("truncated ELF note");
                }
                if (noteType == type && namesz == ownerBytes.length
                        && MemorySegment.ofArray(ownerBytes).mismatch(file.asSlice(name, namesz)) == -1) {
                    if (descsz == 4) {
                        return OptionalLong.of(u32(desc));
                    }
                    if (descsz == 8) {
                        return OptionalLong.of(u64(desc));
                    }
                    throw fail("note " + owner + "/" + type + " has a " + descsz + "-byte value");
                }
                pos = next;
            }
        }
        return OptionalLong.empty();
    }

    private static long align4(long v) {
        return (v + 3) & ~3L;
    }

    private int u16(long offset) {
        return Short.toUnsignedInt(file.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset));
    }

    private long u32(long offset) {
        return Integer.toUnsignedLong(file.get(ValueLayout.JAVA_INT_UNALIGNED, offset));
    }

    private long u64(long offset) {
        return file.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
    }

    /** An address-sized header field: 8 bytes in ELF64, 4 in ELF32. */
    private long word(long offset) {
        return elf64 ? u64(offset) : u32(offset);
    }

    private void checkRange(long offset, long length, String what) {
        if (offset < 0 || length < 0 || offset > file.byteSize() || length > file.byteSize() - offset) {
            throw fail(what + " lies outside the file (truncated or corrupt ELF)");
        }
    }

    BootException fail(String problem) {
        return new BootException(name + ": " + problem);
    }
}
