package io.kvmj.vmm.boot;

import io.kvmj.vmm.arch.x86.E820Map;
import io.kvmj.vmm.memory.GuestMemory;

import java.util.List;

/**
 * Writes struct boot_params, the "zero page" (Documentation/arch/x86/zero-page.rst), for the 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst): a zeroed page, a setup header at 0x1f1 and the fields a boot loader fills in.
 * The boot CPU gets its address in %rsi.
 *
 * <p>The setup header is the kernel's own for a bzImage, or one the loader makes up for an ELF vmlinux, which has
 * none. Only the header is copied, so boot_params.sentinel (0x1ef) stays 0 and the kernel keeps every field.
 * CAN_USE_HEAP is cleared and heap_end_ptr 0: the heap belongs to the real-mode setup code, which the 64-bit entry
 * skips.
 */
public final class ZeroPage {
    /**
     * Guest-physical address of the zero page: the first page after the GDT/IDT page, unused by the PVH path
     * (0x6000-0x7fff), the test guests' SMP trampoline (0x8000), the long-mode page tables (0x9000-0xefff) and the
     * command line (0x20000).
     */
    public static final long ADDRESS = 0x1000;
    public static final int SIZE = 4096;
    /** type_of_loader for a boot loader without an assigned id. */
    public static final int LOADER_UNDEFINED = 0xff;
    /** E820_MAX_ENTRIES_ZEROPAGE. */
    public static final int MAX_E820_ENTRIES = 128;
    /** Offset of struct setup_header in boot_params, and of the same header in a bzImage file. */
    public static final int SETUP_HEADER = 0x1f1;
    /** boot_params ends where the page does; a setup header is at most this long (up to 0x290, edd_mbr_sig_buffer). */
    public static final int SETUP_HEADER_MAX_LENGTH = 0x290 - SETUP_HEADER;
    /** setup_header.header: "HdrS", little-endian; marks a setup header (boot protocol 2.00+). */
    public static final int HEADER_MAGIC = 0x53726448;
    /** loadflags: the protected-mode kernel is loaded at 1 MiB or above. */
    public static final int LOADED_HIGH = 1;
    /** loadflags: heap_end_ptr is valid (a real-mode setup heap, which the 64-bit entry does not have). */
    public static final int CAN_USE_HEAP = 1 << 7;

    static final int ACPI_RSDP_ADDR = 0x070;
    static final int EXT_RAMDISK_IMAGE = 0x0c0;
    static final int EXT_RAMDISK_SIZE = 0x0c4;
    static final int EXT_CMD_LINE_PTR = 0x0c8;
    static final int E820_ENTRIES = 0x1e8;
    static final int TYPE_OF_LOADER = 0x210;
    static final int LOADFLAGS = 0x211;
    static final int RAMDISK_IMAGE = 0x218;
    static final int RAMDISK_SIZE = 0x21c;
    static final int HEAP_END_PTR = 0x224;
    static final int CMD_LINE_PTR = 0x228;
    static final int E820_TABLE = 0x2d0;
    static final int E820_ENTRY_SIZE = 20;

    private ZeroPage() {
    }

    /**
     * Writes the zero page at {@link #ADDRESS}; returns that address.
     *
     * @param setupHeader    struct setup_header from offset 0x1f1, at least up to loadflags (0x211) and at most
     *                       {@link #SETUP_HEADER_MAX_LENGTH} bytes
     * @param cmdlineAddress guest-physical address of the NUL-terminated command line, already written
     * @param initrd         the initrd already in guest memory, or null
     * @param acpiRsdp       guest-physical address of the ACPI RSDP, or 0 to let the kernel search for it
     * @throws BootException if the memory map has more than {@link #MAX_E820_ENTRIES} entries
     */
    public static long write(GuestMemory memory, byte[] setupHeader, long cmdlineAddress, PvhStartInfo.Module initrd,
                             List<E820Map.Entry> e820, long acpiRsdp) {
        if (setupHeader.length <= LOADFLAGS - SETUP_HEADER || setupHeader.length > SETUP_HEADER_MAX_LENGTH) {
            throw new IllegalArgumentException("setup header of " + setupHeader.length + " bytes");
        }
        if (e820.size() > MAX_E820_ENTRIES) {
            throw new BootException("too many memory map entries for the zero page: " + e820.size() + " (at most "
                    + MAX_E820_ENTRIES + ")");
        }
        long zp = ADDRESS;
        memory.slice(zp, SIZE).fill((byte) 0);
        memory.write(zp + SETUP_HEADER, setupHeader);
        memory.writeByte(zp + TYPE_OF_LOADER, (byte) LOADER_UNDEFINED);
        memory.writeByte(zp + LOADFLAGS, (byte) (setupHeader[LOADFLAGS - SETUP_HEADER] & ~CAN_USE_HEAP));
        memory.writeShort(zp + HEAP_END_PTR, (short) 0);
        memory.writeInt(zp + CMD_LINE_PTR, (int) cmdlineAddress);
        memory.writeInt(zp + EXT_CMD_LINE_PTR, (int) (cmdlineAddress >>> 32));
        if (initrd != null) {
            memory.writeInt(zp + RAMDISK_IMAGE, (int) initrd.address());
            memory.writeInt(zp + EXT_RAMDISK_IMAGE, (int) (initrd.address() >>> 32));
            memory.writeInt(zp + RAMDISK_SIZE, (int) initrd.size());
            memory.writeInt(zp + EXT_RAMDISK_SIZE, (int) (initrd.size() >>> 32));
        }
        if (acpiRsdp != 0) {
            memory.writeLong(zp + ACPI_RSDP_ADDR, acpiRsdp);
        }
        memory.writeByte(zp + E820_ENTRIES, (byte) e820.size());
        long entry = zp + E820_TABLE;
        for (E820Map.Entry e : e820) {
            memory.writeLong(entry, e.address());
            memory.writeLong(entry + 8, e.size());
            memory.writeInt(entry + 16, e.type());
            entry += E820_ENTRY_SIZE;
        }
        return zp;
    }
}
