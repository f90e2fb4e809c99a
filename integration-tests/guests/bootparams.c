/*
 * bootparams: a guest linked WITHOUT the PVH note, entered through Linux's 64-bit boot protocol (boot64.S), as a
 * vmlinux without CONFIG_PVH is. Checks what the loader handed over: the CPU state at entry and struct boot_params
 * (rsi), and prints the command line, e820 table and initrd for the host side to compare with what it passed.
 * kvmj only: QEMU boots no ELF without a PVH (or multiboot) note.
 *
 * Parameters: expect_mib=N (RAM in the e820 table within [N - 2 MiB, N MiB]); initrd_size=N (ramdisk_size must be
 * N, and the initrd is hashed).
 */
#include "kit.h"

const char guest_name[] = "bootparams";

/* FNV-1a, 32-bit: the host side computes the same over the initrd file. */
static uint32_t fnv1a(const uint8_t *p, uint64_t n)
{
    uint32_t h = 2166136261u;
    for (uint64_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

int guest_main(void)
{
    uint64_t bp = boot.boot_params_paddr;
    printf("bootparams: rsi=0x%lx cs=0x%lx ds=0x%lx ss=0x%lx rflags=0x%lx\n", bp, linux64_entry_cs,
           linux64_entry_ds, linux64_entry_ss, linux64_entry_rflags);
    CHECK(linux64_entry_cs == 0x10, "entered with CS = __BOOT_CS 0x10 (got 0x%lx)", linux64_entry_cs);
    CHECK(linux64_entry_ds == 0x18 && linux64_entry_ss == 0x18, "DS = SS = __BOOT_DS 0x18 (got 0x%lx, 0x%lx)",
          linux64_entry_ds, linux64_entry_ss);
    CHECK(!(linux64_entry_rflags & (1u << 9)), "interrupts off at entry (rflags 0x%lx)", linux64_entry_rflags);
    CHECK(bp_u16(bp, BP_BOOT_FLAG) == 0xaa55, "boot_flag 0x%x", bp_u16(bp, BP_BOOT_FLAG));
    CHECK(bp_u8(bp, BP_TYPE_OF_LOADER) == 0xff, "type_of_loader 0x%x", bp_u8(bp, BP_TYPE_OF_LOADER));
    CHECK(bp_u8(bp, BP_LOADFLAGS) & BP_LOADED_HIGH, "loadflags 0x%x has LOADED_HIGH", bp_u8(bp, BP_LOADFLAGS));
    CHECK(bp_u32(bp, BP_KERNEL_ALIGNMENT) != 0, "kernel_alignment 0x%x", bp_u32(bp, BP_KERNEL_ALIGNMENT));

    uint64_t cmdline = bp_u32(bp, BP_CMD_LINE_PTR) | (uint64_t)bp_u32(bp, BP_EXT_CMD_LINE_PTR) << 32;
    size_t len = strlen(boot.cmdline);
    printf("cmd_line_ptr=0x%lx cmdline_size=%u\n", cmdline, bp_u32(bp, BP_CMDLINE_SIZE));
    /* puts: printf's 512-byte buffer would cut a long command line short */
    puts("cmdline: \"");
    puts(boot.cmdline);
    puts("\"\n");
    CHECK(cmdline != 0 && len <= bp_u32(bp, BP_CMDLINE_SIZE), "command line of %zu bytes at 0x%lx, within cmdline_size",
          len, cmdline);

    uint32_t n = bp_u8(bp, BP_E820_ENTRIES);
    uint64_t ram = 0;
    bool at_1m = false;
    for (uint32_t i = 0; i < boot.memmap_entries; i++) {
        const struct hvm_memmap_entry *e = &boot.memmap[i];
        printf("e820: 0x%lx-0x%lx type %u\n", e->addr, e->addr + e->size - 1, e->type);
        if (e->type == MEMMAP_RAM) {
            ram += e->size;
            at_1m |= e->addr == 0x100000;
        }
    }
    CHECK(n > 0 && n <= BP_E820_MAX, "e820_entries %u", n);
    CHECK(at_1m, "RAM from 1 MiB, where this guest lives");
    uint64_t expect = param_u64("expect_mib", 0) * MiB;
    if (expect)
        CHECK(ram <= expect && ram >= expect - 2 * MiB, "e820 RAM %lu KiB, want %lu MiB", ram / KiB, expect / MiB);

    uint64_t image = bp_u32(bp, BP_RAMDISK_IMAGE) | (uint64_t)bp_u32(bp, BP_EXT_RAMDISK_IMAGE) << 32;
    uint64_t size = bp_u32(bp, BP_RAMDISK_SIZE) | (uint64_t)bp_u32(bp, BP_EXT_RAMDISK_SIZE) << 32;
    uint64_t want = param_u64("initrd_size", 0);
    if (want) {
        CHECK(size == want, "ramdisk_size %lu, want %lu", size, want);
        CHECK(image >= 0x100000 && image + size <= 4 * GiB, "ramdisk_image 0x%lx in mapped RAM", image);
        if (size == want && image + size <= 4 * GiB)
            printf("initrd: image=0x%lx size=%lu fnv1a=0x%08x\n", image, size, fnv1a((const uint8_t *)image, size));
    } else {
        CHECK(image == 0 && size == 0, "no ramdisk (image 0x%lx size %lu)", image, size);
    }
    return 0;
}
