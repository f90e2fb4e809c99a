/*
 * hello: prints a greeting and the command line, checks the PVH start info and the
 * kit's command-line parser. Params: exit=N (exit code when all checks pass, default 0).
 */
#include "kit.h"

const char guest_name[] = "hello";

static void parser_self_test(void)
{
    uint64_t v = 0;
    CHECK(parse_u64("512", 3, &v) == 3 && v == 512, "parse 512");
    CHECK(parse_u64("0x200", 5, &v) == 5 && v == 0x200, "parse 0x200");
    CHECK(parse_u64("4K", 2, &v) == 2 && v == 4096, "parse 4K");
    CHECK(parse_u64("1M", 2, &v) == 2 && v == MiB, "parse 1M");

    static const char line[] = "console=ttyS0 exit=7 quiet virtio_mmio.device=512@0xfeb00000:5 "
                               "virtio_mmio.device=4K@0xfeb00200:6:1 virtio_mmio.device=bad x=0x10";
    size_t len = 0;
    const char *e = cmdline_find(line, "exit", &len);
    CHECK(e && len == 1 && *e == '7', "cmdline_find exit=7");
    CHECK(cmdline_find(line, "quiet", &len) && len == 0, "cmdline_find bare flag");
    CHECK(!cmdline_find(line, "exi", &len), "cmdline_find no prefix match");
    struct virtio_mmio_dev d[4];
    int n = cmdline_virtio_mmio(line, d, 4);
    CHECK(n == 2 && d[0].size == 512 && d[0].base == 0xfeb00000 && d[0].irq == 5 && d[1].size == 4096 &&
              d[1].base == 0xfeb00200 && d[1].irq == 6,
          "virtio_mmio.device parsing (%d entries)", n);
}

int guest_main(void)
{
    printf("Hello from the kvmj test guest!\n");
    printf("cmdline: \"%s\"\n", boot.cmdline);
    printf("start_info: paddr=0x%lx version=%u flags=0x%x nr_modules=%u rsdp=0x%lx memmap_entries=%u\n",
           boot.start_info_paddr, boot.si.version, boot.si.flags, boot.si.nr_modules, boot.si.rsdp_paddr,
           boot.memmap_entries);
    for (uint32_t i = 0; i < boot.memmap_entries; i++)
        printf("memmap[%u]: addr=0x%lx size=0x%lx type=%u\n", i, boot.memmap[i].addr, boot.memmap[i].size,
               boot.memmap[i].type);
    struct virtio_mmio_dev devs[16];
    int n = cmdline_virtio_mmio(boot.cmdline, devs, 16);
    for (int i = 0; i < n && i < 16; i++)
        printf("virtio-mmio: size=0x%lx base=0x%lx irq=%u\n", devs[i].size, devs[i].base, devs[i].irq);

    CHECK(boot.si.version >= 1, "hvm_start_info version %u >= 1 (has memmap)", boot.si.version);
    CHECK(boot.memmap_entries > 0, "memmap has %u entries", boot.memmap_entries);
    parser_self_test();
    return (int)param_u64("exit", 0);
}
