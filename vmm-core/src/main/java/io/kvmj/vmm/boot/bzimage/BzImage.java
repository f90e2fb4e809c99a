package io.kvmj.vmm.boot.bzimage;

import io.kvmj.vmm.boot.BootException;
import io.kvmj.vmm.boot.ZeroPage;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The setup header of a Linux bzImage (Documentation/arch/x86/boot.rst), checked for what the 64-bit boot
 * protocol needs. Offsets are file offsets, which are also the offsets of the same fields in struct boot_params.
 *
 * <p>The minimum protocol is 2.12, not 2.06: the 64-bit entry is announced by {@code XLF_KERNEL_64} in
 * {@code xloadflags}, a field that exists only from 2.12 (Linux 3.8); before that the bytes at 0x236 are not a
 * header field. 2.12 also brings {@code pref_address} and {@code init_size} (2.10), which the loader needs to
 * place the kernel and to check that it fits.
 */
public final class BzImage {
    static final int MAGIC = ZeroPage.HEADER_MAGIC;
    static final int MIN_VERSION = 0x020c;
    static final long SETUP_HEADER_OFFSET = ZeroPage.SETUP_HEADER;
    /** The setup header is followed in boot_params by edd_mbr_sig_buffer at 0x290. */
    static final long SETUP_HEADER_LIMIT = ZeroPage.SETUP_HEADER + ZeroPage.SETUP_HEADER_MAX_LENGTH;
    /** The header must reach past init_size (0x260..0x263), the last field this loader reads. */
    static final long SETUP_HEADER_MIN_END = 0x264;

    public static final int XLF_KERNEL_64 = 1;
    public static final int XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1;

    private final String name;
    private final int setupSects;
    private final long syssize;
    private final int version;
    private final int loadFlags;
    private final long initrdAddrMax;
    private final long kernelAlignment;
    private final boolean relocatable;
    private final int xloadFlags;
    private final long cmdlineSize;
    private final long payloadOffset;
    private final long payloadLength;
    private final long prefAddress;
    private final long initSize;
    private final byte[] setupHeader;

    private BzImage(String name, MemorySegment file) {
        this.name = name;
        long size = file.byteSize();
        if (size < 0x206 || file.get(ValueLayout.JAVA_INT_UNALIGNED, 0x202) != MAGIC) {
            throw fail("not a bzImage (no \"HdrS\" setup header at 0x202)");
        }
        if (size < 0x208) {
            throw fail("truncated bzImage: the file ends inside the setup header");
        }
        version = u16(file, 0x206);
        if (version < MIN_VERSION) {
            throw fail(String.format("boot protocol %d.%02d is too old (the 64-bit entry needs 2.12 or newer)",
                    version >> 8, version & 0xff));
        }
        long headerEnd = 0x202 + Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, 0x201));
        if (headerEnd < SETUP_HEADER_MIN_END || headerEnd > SETUP_HEADER_LIMIT) {
            throw fail(String.format("setup header claims to end at 0x%x, outside 0x%x..0x%x (corrupt bzImage)",
                    headerEnd, SETUP_HEADER_MIN_END, SETUP_HEADER_LIMIT));
        }
        if (size < headerEnd) {
            throw fail(String.format("truncated bzImage: the file (%d bytes) ends inside the setup header (0x%x..0x%x)",
                    size, SETUP_HEADER_OFFSET, headerEnd));
        }
        setupSects = Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, 0x1f1));
        syssize = u32(file, 0x1f4);
        loadFlags = Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, 0x211));
        initrdAddrMax = u32(file, 0x22c);
        kernelAlignment = u32(file, 0x230);
        relocatable = file.get(ValueLayout.JAVA_BYTE, 0x234) != 0;
        xloadFlags = u16(file, 0x236);
        cmdlineSize = u32(file, 0x238);
        payloadOffset = u32(file, 0x248);
        payloadLength = u32(file, 0x24c);
        prefAddress = file.get(ValueLayout.JAVA_LONG_UNALIGNED, 0x258);
        initSize = u32(file, 0x260);
        setupHeader = file.asSlice(SETUP_HEADER_OFFSET, headerEnd - SETUP_HEADER_OFFSET).toArray(ValueLayout.JAVA_BYTE);

        if ((loadFlags & ZeroPage.LOADED_HIGH) == 0) {
            throw fail("kernel loads low (LOADED_HIGH not set in loadflags); only kernels loaded at 1 MiB or above "
                    + "can be booted");
        }
        if ((xloadFlags & XLF_KERNEL_64) == 0) {
            throw fail("kernel has no 64-bit entry point (XLF_KERNEL_64 not set in xloadflags; a 32-bit kernel?)");
        }
        if (syssize == 0) {
            throw fail("protected-mode kernel is empty (syssize 0)");
        }
        if (kernelOffset() + kernelSize() > size) {
            throw fail(String.format("truncated bzImage: the setup header promises 0x%x bytes of kernel at offset 0x%x,"
                    + " the file has 0x%x", kernelSize(), kernelOffset(), Math.max(0, size - kernelOffset())));
        }
        if (relocatable && Long.bitCount(kernelAlignment) != 1) {
            throw fail(String.format("kernel_alignment 0x%x is not a power of two (corrupt bzImage)", kernelAlignment));
        }
    }

    /** Parses and checks the setup header of {@code file} (the whole bzImage); {@code name} prefixes error messages. */
    public static BzImage parse(String name, MemorySegment file) {
        return new BzImage(name, file);
    }

    public static BzImage parse(String name, byte[] file) {
        return parse(name, MemorySegment.ofArray(file));
    }

    public String name() {
        return name;
    }

    /** Boot protocol version, e.g. 0x020f for 2.15. */
    public int version() {
        return version;
    }

    /** The setup_sects field as written (0 means 4). */
    public int setupSects() {
        return setupSects;
    }

    /** File offset of the protected-mode kernel: the boot sector plus the real-mode setup sectors. */
    public long kernelOffset() {
        return (long) ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
    }

    /** Size of the protected-mode kernel in bytes (syssize is in 16-byte units); bytes after it (a signature) are not loaded. */
    public long kernelSize() {
        return syssize * 16;
    }

    public int loadFlags() {
        return loadFlags;
    }

    public boolean relocatable() {
        return relocatable;
    }

    public long kernelAlignment() {
        return kernelAlignment;
    }

    public int xloadFlags() {
        return xloadFlags;
    }

    /** Longest command line the kernel accepts, without the terminating NUL. */
    public long cmdlineSize() {
        return cmdlineSize;
    }

    /** Highest address the initrd may occupy (its last byte). */
    public long initrdAddrMax() {
        return initrdAddrMax;
    }

    public long prefAddress() {
        return prefAddress;
    }

    /** Bytes of contiguous memory the kernel needs from its runtime start address before it reads the memory map. */
    public long initSize() {
        return initSize;
    }

    /** Offset of the compressed payload from the start of the protected-mode kernel. */
    public long payloadOffset() {
        return payloadOffset;
    }

    public long payloadLength() {
        return payloadLength;
    }

    /** The setup header bytes as in the file, from 0x1f1 to its end (0x202 + the byte at 0x201). */
    public byte[] setupHeader() {
        return setupHeader.clone();
    }

    BootException fail(String problem) {
        return new BootException(name + ": " + problem);
    }

    private static int u16(MemorySegment file, long offset) {
        return Short.toUnsignedInt(file.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset));
    }

    private static long u32(MemorySegment file, long offset) {
        return Integer.toUnsignedLong(file.get(ValueLayout.JAVA_INT_UNALIGNED, offset));
    }
}
