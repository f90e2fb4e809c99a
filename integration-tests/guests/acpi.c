/*
 * acpi: checks the ACPI tables the VMM hands over (RSDP, XSDT/RSDT, every table's header and
 * checksum, FADT, DSDT, MADT), then powers the machine off through ACPI.
 * Params: cpus=N           the MADT must list exactly N enabled CPUs (default: at least 1)
 *         expect_virtio=N  the DSDT must name exactly N "LNRO0005" (virtio-mmio) devices
 *         poweroff=0|1     power off through the FADT's sleep register (default 1); only when
 *                          every CHECK passed, else (and with poweroff=0) exit through debug-exit
 *         wait=M           after the power-off write, millions of TSC cycles to wait for the VMM
 *                          to stop the VM before reporting "no effect" (default 2000)
 *         scan=1           ignore hvm_start_info.rsdp_paddr, scan 0xe0000-0xfffff for the RSDP
 *         slp_typ=N        write SLP_TYP N instead of the DSDT's _S5 value (negative tests: a
 *                          wrong type must not power off -> "no effect", status 3)
 *
 * A successful power-off ends the VM without a debug-exit write (QEMU and kvmj exit with
 * status 0), so the "# pass/fail" and "done" lines are printed right before the write.
 */
#include "kit.h"

const char guest_name[] = "acpi";

#define HDR_LEN 36
#define TABLE_MAX (256 * KiB)     /* larger tables are refused (checksumming is slow at CPL0) */
#define MAX_TABLES 64
#define FADT_F_RESET_REG_SUP (1u << 10)
#define FADT_F_HW_REDUCED (1u << 20)
#define SLP_EN_REDUCED (1u << 5)
#define SLP_EN_LEGACY (1u << 13)
#define GAS_MEMORY 0
#define GAS_IO 1

/* ---- unaligned little-endian reads from guest-physical (identity-mapped) memory ---- */
static inline uint8_t rd8(uint64_t a) { return *(const volatile uint8_t *)a; }
static uint16_t rd16(uint64_t a) { return (uint16_t)(rd8(a) | (rd8(a + 1) << 8)); }
static uint32_t rd32(uint64_t a) { return rd16(a) | ((uint32_t)rd16(a + 2) << 16); }
static uint64_t rd64(uint64_t a) { return rd32(a) | ((uint64_t)rd32(a + 4) << 32); }
static inline void mmio_write8(uint64_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void mmio_write16(uint64_t a, uint16_t v) { *(volatile uint16_t *)a = v; }

static uint8_t sum8(uint64_t a, uint64_t n)
{
    uint8_t s = 0;
    for (uint64_t i = 0; i < n; i++)
        s = (uint8_t)(s + rd8(a + i));
    return s;
}

/* Copies n bytes into a printable NUL-terminated string ('?' for non-printable bytes). */
static void str_of(char *out, uint64_t a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = (char)rd8(a + i);
        out[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    out[n] = '\0';
}

static bool mem_eq(uint64_t a, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rd8(a + i) != (uint8_t)s[i])
            return false;
    return true;
}

static bool range_ok(uint64_t a, uint64_t n)
{
    uint64_t limit = boot.mapped_limit < 4 * GiB ? boot.mapped_limit : 4 * GiB;
    return a != 0 && n <= limit && a <= limit - n;
}

/* Memmap type of the entry holding [a, a+n), or -1. */
static int memmap_type(uint64_t a, uint64_t n)
{
    for (uint32_t i = 0; i < boot.memmap_entries; i++) {
        const struct hvm_memmap_entry *e = &boot.memmap[i];
        if (e->size && a >= e->addr && a + n <= e->addr + e->size)
            return (int)e->type;
    }
    return -1;
}

/* ---- generic address structure (12 bytes) ---- */
struct gas {
    uint8_t space, width, offset, access;
    uint64_t addr;
};

static struct gas rd_gas(uint64_t a)
{
    struct gas g = { rd8(a), rd8(a + 1), rd8(a + 2), rd8(a + 3), rd64(a + 4) };
    return g;
}

static void print_gas(const char *what, const struct gas *g)
{
    printf("acpi: %s space=%u (%s) width=%u offset=%u access=%u addr=0x%lx\n", what, g->space,
           g->space == GAS_IO ? "io" : g->space == GAS_MEMORY ? "memory" : "other", g->width, g->offset,
           g->access, g->addr);
}

/* ---- table headers ---- */

/* Prints the table line and CHECKs placement, length and checksum (and the signature when
 * want is not NULL). Returns the length when the table is usable, else 0. */
static uint32_t table_check(uint64_t a, const char *what, const char *want)
{
    if (!CHECK(range_ok(a, HDR_LEN), "%s at 0x%lx: header below 4 GiB and mapped", what, a))
        return 0;
    char sig[5], oem[7];
    str_of(sig, a, 4);
    str_of(oem, a + 10, 6);
    uint32_t len = rd32(a + 4);
    printf("acpi: table %s at 0x%lx len %u rev %u oem %s\n", sig, a, len, rd8(a + 8), oem);
    bool ok = true;
    if (want)
        ok &= CHECK(mem_eq(a, want, 4), "%s at 0x%lx has signature %s (want %s)", what, a, sig, want);
    ok &= CHECK(len >= HDR_LEN && len <= TABLE_MAX, "%s length %u >= %u (and <= %lu)", sig, len, HDR_LEN,
                TABLE_MAX);
    if (!ok)
        return 0;
    int type = memmap_type(a, len);
    if (!CHECK(range_ok(a, len), "%s 0x%lx-0x%lx below 4 GiB and mapped (memmap type %d)", sig, a, a + len - 1,
               type))
        return 0;
    uint8_t s = sum8(a, len);
    return CHECK(s == 0, "%s checksum (byte sum 0x%02x, want 0)", sig, s) ? len : 0;
}

/* ---- RSDP ---- */

static uint64_t rsdp_scan(void)
{
    uint64_t first = 0;
    for (uint64_t a = 0xe0000; a < 0x100000; a += 16) {
        if (!mem_eq(a, "RSD PTR ", 8))
            continue;
        if (sum8(a, 20) == 0)
            return a;
        if (!first)
            first = a;    /* bad checksum: keep looking, report it if nothing better */
    }
    return first;
}

/* Returns the root table (XSDT or RSDT) address; *entry_size = 8 or 4. 0 when none. */
static uint64_t find_root(uint32_t *entry_size)
{
    uint64_t rsdp = 0;
    const char *how = "start_info";
    if (boot.si.rsdp_paddr && !param_u64("scan", 0)) {
        rsdp = boot.si.rsdp_paddr;
        bool sig = range_ok(rsdp, 36) && mem_eq(rsdp, "RSD PTR ", 8);
        if (!CHECK(sig, "hvm_start_info.rsdp_paddr 0x%lx points at \"RSD PTR \"", rsdp))
            rsdp = 0;
    } else {
        printf("acpi: hvm_start_info.rsdp_paddr is 0x%lx, scanning 0xe0000-0xfffff\n", boot.si.rsdp_paddr);
    }
    if (!rsdp) {
        rsdp = rsdp_scan();
        how = "scan";
    }
    if (!CHECK(rsdp != 0, "RSDP found (start_info.rsdp_paddr=0x%lx, or \"RSD PTR \" in 0xe0000-0xfffff)",
               boot.si.rsdp_paddr)) {
        printf("acpi: no RSDP: the VMM provides no ACPI tables\n");
        return 0;
    }
    char oem[7];
    str_of(oem, rsdp + 9, 6);
    uint8_t rev = rd8(rsdp + 15);
    uint32_t rsdt = rd32(rsdp + 16);
    uint32_t len = rev >= 2 ? rd32(rsdp + 20) : 20;
    uint64_t xsdt = rev >= 2 ? rd64(rsdp + 24) : 0;
    printf("acpi: RSDP at 0x%lx (%s) rev %u oem %s rsdt 0x%x xsdt 0x%lx len %u\n", rsdp, how, rev, oem, rsdt,
           xsdt, len);
    uint8_t s = sum8(rsdp, 20);
    bool ok = CHECK(s == 0, "RSDP checksum over 20 bytes (byte sum 0x%02x, want 0)", s);
    if (rev >= 2) {
        if (CHECK(len >= 36 && len <= 1024, "RSDP length %u >= 36", len)) {
            s = sum8(rsdp, len);
            ok &= CHECK(s == 0, "RSDP extended checksum over %u bytes (byte sum 0x%02x, want 0)", len, s);
        } else {
            ok = false;
        }
    }
    if (!ok)
        return 0;
    if (xsdt) {
        *entry_size = 8;
        return xsdt;
    }
    *entry_size = 4;
    return rsdt;
}

/* ---- DSDT ---- */

/* Reads one AML integer data object at *p (ZeroOp, OneOp, OnesOp, Byte/Word/DWordPrefix). */
static bool aml_int(uint64_t *p, uint64_t end, uint32_t *val)
{
    uint64_t a = *p;
    if (a >= end)
        return false;
    switch (rd8(a)) {
    case 0x00: *val = 0; *p = a + 1; return true;
    case 0x01: *val = 1; *p = a + 1; return true;
    case 0xff: *val = 0xffffffffu; *p = a + 1; return true;
    case 0x0a: if (a + 2 > end) return false; *val = rd8(a + 1); *p = a + 2; return true;
    case 0x0b: if (a + 3 > end) return false; *val = rd16(a + 1); *p = a + 3; return true;
    case 0x0c: if (a + 5 > end) return false; *val = rd32(a + 1); *p = a + 5; return true;
    default: return false;
    }
}

/* Finds Name(_S5_, Package(){SLP_TYPa, SLP_TYPb, ...}). */
static bool find_s5(uint64_t dsdt, uint32_t len, uint32_t *typ_a, uint32_t *typ_b)
{
    uint64_t end = dsdt + len;
    for (uint64_t a = dsdt + HDR_LEN; a + 4 < end; a++) {
        if (!mem_eq(a, "_S5_", 4) || rd8(a + 4) != 0x12)    /* PackageOp */
            continue;
        uint64_t p = a + 5;
        uint8_t lead = rd8(p);
        p += 1 + (lead >> 6);                               /* PkgLength */
        if (p >= end)
            return false;
        uint8_t n = rd8(p++);                               /* NumElements */
        if (n < 1 || !aml_int(&p, end, typ_a))
            return false;
        if (n < 2 || !aml_int(&p, end, typ_b))
            *typ_b = *typ_a;
        return true;
    }
    return false;
}

static uint32_t count_bytes(uint64_t a, uint32_t len, const char *pat, size_t n)
{
    uint32_t c = 0;
    for (uint64_t i = HDR_LEN; i + n <= len; i++)
        if (mem_eq(a + i, pat, n))
            c++;
    return c;
}

/* ---- MADT ---- */

static void check_madt(uint64_t madt, uint32_t len)
{
    if (!CHECK(len >= 44, "APIC length %u >= 44", len))
        return;
    uint32_t lapic = rd32(madt + 36), flags = rd32(madt + 40);
    uint64_t lapic_addr = lapic;
    uint32_t cpus = 0, disabled = 0, ioapics = 0, overrides = 0, nmis = 0, other = 0;
    bool bad = false;
    uint64_t off = 44;
    while (off + 2 <= len) {
        uint64_t e = madt + off;
        uint8_t type = rd8(e), elen = rd8(e + 1);
        if (elen < 2 || off + elen > len) {
            CHECK(false, "APIC entry at offset %lu type %u length %u fits the table", off, type, elen);
            bad = true;
            break;
        }
        switch (type) {
        case 0:     /* processor local APIC */
            if (elen >= 8 && (rd32(e + 4) & 1))
                cpus++;
            else
                disabled++;
            if (elen >= 8)
                printf("acpi: lapic uid %u apic_id %u flags 0x%x\n", rd8(e + 2), rd8(e + 3), rd32(e + 4));
            break;
        case 9:     /* processor local x2APIC */
            if (elen >= 16 && (rd32(e + 8) & 1))
                cpus++;
            else
                disabled++;
            if (elen >= 16)
                printf("acpi: x2apic uid %u apic_id %u flags 0x%x\n", rd32(e + 12), rd32(e + 4), rd32(e + 8));
            break;
        case 1:     /* I/O APIC */
            ioapics++;
            if (elen >= 12)
                printf("acpi: ioapic id %u addr 0x%x gsi_base %u\n", rd8(e + 2), rd32(e + 4), rd32(e + 8));
            break;
        case 2:     /* interrupt source override */
            overrides++;
            if (elen >= 10)
                printf("acpi: override bus %u irq %u -> gsi %u flags 0x%x\n", rd8(e + 2), rd8(e + 3),
                       rd32(e + 4), rd16(e + 8));
            break;
        case 4:     /* local APIC NMI */
            nmis++;
            break;
        case 5:     /* local APIC address override */
            if (elen >= 12) {
                lapic_addr = rd64(e + 4);
                printf("acpi: lapic address override 0x%lx\n", lapic_addr);
            }
            break;
        default:
            other++;
            printf("acpi: madt entry type %u len %u\n", type, elen);
            break;
        }
        off += elen;
    }
    printf("acpi: madt cpus=%u ioapics=%u overrides=%u lapic=0x%lx\n", cpus, ioapics, overrides, lapic_addr);
    printf("acpi: madt flags=0x%x (pcat_compat=%u) disabled_cpus=%u lapic_nmis=%u other_entries=%u\n", flags,
           flags & 1, disabled, nmis, other);
    if (bad)
        return;
    if (param_present("cpus")) {
        uint64_t want = param_u64("cpus", 0);
        CHECK(cpus == want, "MADT lists %u enabled CPUs (want cpus=%lu)", cpus, want);
    } else {
        CHECK(cpus >= 1, "MADT lists %u enabled CPUs (>= 1)", cpus);
    }
}

/* ---- FADT and power-off ---- */

struct poweroff {
    bool reduced;
    bool have_reg;            /* a usable sleep register / PM1a_CNT */
    struct gas sleep_ctl;     /* hardware-reduced */
    struct gas pm1a, pm1b;    /* legacy (pm1b.addr 0 = none) */
    uint32_t typ_a, typ_b;
};

static bool gas_usable(const struct gas *g)
{
    if (g->space == GAS_IO)
        return g->addr != 0 && g->addr <= 0xffff;
    if (g->space == GAS_MEMORY)
        return range_ok(g->addr, 2);
    return false;
}

/* Returns the DSDT address (0 if none); fills the power-off registers. */
static uint64_t check_fadt(uint64_t fadt, uint32_t len, struct poweroff *po)
{
    uint8_t rev = rd8(fadt + 8);
    if (!CHECK(len >= 116, "FACP length %u >= 116 (has Flags)", len))
        return 0;
    uint32_t flags = rd32(fadt + 112);
    uint32_t dsdt32 = rd32(fadt + 40);
    uint64_t xdsdt = len >= 148 ? rd64(fadt + 140) : 0;
    po->reduced = (flags & FADT_F_HW_REDUCED) != 0;
    printf("acpi: fadt rev %u len %u flags 0x%x hw_reduced=%u reset_reg_sup=%u dsdt 0x%x x_dsdt 0x%lx\n", rev, len,
           flags, po->reduced, (flags & FADT_F_RESET_REG_SUP) != 0, dsdt32, xdsdt);
    if (xdsdt && dsdt32 && xdsdt != dsdt32)
        printf("acpi: # DSDT and X_DSDT differ, using X_DSDT\n");

    if (len >= 129) {
        struct gas reset = rd_gas(fadt + 116);
        print_gas("reset_reg", &reset);
        printf("acpi: reset_value 0x%x\n", rd8(fadt + 128));
    }
    if (po->reduced) {
        if (CHECK(len >= 256, "hardware-reduced FACP length %u >= 256 (has SLEEP_CONTROL_REG)", len)) {
            po->sleep_ctl = rd_gas(fadt + 244);
            print_gas("sleep_control", &po->sleep_ctl);
            if (len >= 268) {
                struct gas st = rd_gas(fadt + 256);
                print_gas("sleep_status", &st);
            }
            po->have_reg = CHECK(gas_usable(&po->sleep_ctl), "SLEEP_CONTROL_REG is in I/O or memory space, non-zero");
        }
    } else {
        uint32_t pm1a = rd32(fadt + 64), pm1b = rd32(fadt + 68);
        uint8_t cnt_len = len >= 90 ? rd8(fadt + 89) : 0;
        printf("acpi: pm1a_cnt_blk 0x%x pm1b_cnt_blk 0x%x pm1_cnt_len %u smi_cmd 0x%x acpi_enable 0x%x\n", pm1a,
               pm1b, cnt_len, rd32(fadt + 48), rd8(fadt + 52));
        struct gas io = { GAS_IO, 16, 0, 2, 0 };
        po->pm1a = io;
        po->pm1a.addr = pm1a;
        po->pm1b = io;
        po->pm1b.addr = pm1b;
        if (len >= 184) {
            struct gas x = rd_gas(fadt + 172);
            print_gas("x_pm1a_cnt_blk", &x);
            if (x.addr)
                po->pm1a = x;
        }
        if (len >= 196) {
            struct gas x = rd_gas(fadt + 184);
            if (x.addr) {
                print_gas("x_pm1b_cnt_blk", &x);
                po->pm1b = x;
            }
        }
        po->have_reg = CHECK(gas_usable(&po->pm1a), "PM1a_CNT is in I/O or memory space, non-zero");
    }
    return xdsdt ? xdsdt : dsdt32;
}

static void gas_write(const struct gas *g, uint16_t v, bool wide)
{
    v = (uint16_t)(v << g->offset);
    if (g->space == GAS_IO) {
        if (wide)
            outw((uint16_t)g->addr, v);
        else
            outb((uint16_t)g->addr, (uint8_t)v);
    } else {
        if (wide)
            mmio_write16(g->addr, v);
        else
            mmio_write8(g->addr, (uint8_t)v);
    }
}

static void power_off(const struct poweroff *po)
{
    uint64_t wait = param_u64("wait", 2000);
    if (po->reduced) {
        uint8_t v = (uint8_t)(((po->typ_a & 7) << 2) | SLP_EN_REDUCED);
        printf("acpi: powering off: write 0x%02x to SLEEP_CONTROL_REG (%s 0x%lx)\n", v,
               po->sleep_ctl.space == GAS_IO ? "port" : "mmio", po->sleep_ctl.addr);
    } else {
        printf("acpi: powering off: write 0x%04x to PM1a_CNT (%s 0x%lx)\n",
               ((po->typ_a & 7) << 10) | SLP_EN_LEGACY, po->pm1a.space == GAS_IO ? "port" : "mmio", po->pm1a.addr);
    }
    /* Same summary as kit_finish: a working power-off never returns here. */
    printf("# pass %u fail %u\n", tests_passed, tests_failed);
    printf("kvmj-guest %s done\n", guest_name);
    if (po->reduced) {
        gas_write(&po->sleep_ctl, (uint16_t)(((po->typ_a & 7) << 2) | SLP_EN_REDUCED), false);
    } else {
        if (gas_usable(&po->pm1b))
            gas_write(&po->pm1b, (uint16_t)(((po->typ_b & 7) << 10) | SLP_EN_LEGACY), true);
        gas_write(&po->pm1a, (uint16_t)(((po->typ_a & 7) << 10) | SLP_EN_LEGACY), true);
    }
    /* The VMM may stop the VM asynchronously (QEMU: a shutdown request for its main loop). */
    tsc_delay(wait * 1000000UL);
    CHECK(false, "ACPI power-off had no effect (still running %lu M TSC cycles after the write)", wait);
}

int guest_main(void)
{
    bool want_off = param_u64("poweroff", 1) != 0;
    struct poweroff po;
    memset(&po, 0, sizeof po);
    bool have_s5 = false;

    uint32_t esz = 0;
    uint64_t root = find_root(&esz);
    if (!root)
        return 1;
    const char *rname = esz == 8 ? "XSDT" : "RSDT";
    printf("acpi: using the %s at 0x%lx\n", rname, root);
    uint32_t rlen = table_check(root, rname, rname);
    if (!rlen)
        return 1;
    uint32_t n = (rlen - HDR_LEN) / esz;
    CHECK((rlen - HDR_LEN) % esz == 0, "%s length %u holds whole %u-byte entries (%u)", rname, rlen, esz, n);
    if (n > MAX_TABLES)
        n = MAX_TABLES;

    uint64_t fadt = 0, madt = 0;
    uint32_t fadt_len = 0, madt_len = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t a = esz == 8 ? rd64(root + HDR_LEN + 8UL * i) : rd32(root + HDR_LEN + 4UL * i);
        uint32_t len = table_check(a, "table", NULL);
        if (!len)
            continue;
        if (!fadt && mem_eq(a, "FACP", 4)) {
            fadt = a;
            fadt_len = len;
        } else if (!madt && mem_eq(a, "APIC", 4)) {
            madt = a;
            madt_len = len;
        }
    }

    if (CHECK(fadt, "%s lists a valid FADT (FACP)", rname)) {
        uint64_t dsdt = check_fadt(fadt, fadt_len, &po);
        uint32_t dlen = 0;
        if (CHECK(dsdt, "FADT points at a DSDT"))
            dlen = table_check(dsdt, "FADT.DSDT", "DSDT");
        if (dlen) {
            have_s5 = find_s5(dsdt, dlen, &po.typ_a, &po.typ_b);
            if (CHECK(have_s5, "DSDT has Name(_S5_, Package(){SLP_TYPa, ...})"))
                printf("acpi: _S5 SLP_TYP=%u (SLP_TYPb=%u)\n", po.typ_a, po.typ_b);
            uint32_t virtio = count_bytes(dsdt, dlen, "LNRO0005", 8);
            /* "PNP0501" as a string or as an EisaId (DWordPrefix 0x0c, 0x41d00501 big-endian). */
            uint32_t com1 = count_bytes(dsdt, dlen, "PNP0501", 7) + count_bytes(dsdt, dlen, "\x0c\x41\xd0\x05\x01", 5);
            printf("acpi: dsdt virtio-mmio=%u com1=%u\n", virtio, com1 ? 1 : 0);
            if (param_present("expect_virtio")) {
                uint64_t want = param_u64("expect_virtio", 0);
                CHECK(virtio == want, "DSDT names %u LNRO0005 virtio-mmio devices (want expect_virtio=%lu)", virtio,
                      want);
            }
        }
    }
    if (CHECK(madt, "%s lists a valid MADT (APIC)", rname))
        check_madt(madt, madt_len);

    if (!want_off)
        return 0;
    if (tests_failed || !po.have_reg || !have_s5) {
        printf("acpi: not powering off: %u CHECKs failed\n", tests_failed);
        return 1;
    }
    if (param_present("slp_typ")) {
        po.typ_a = po.typ_b = (uint32_t)param_u64("slp_typ", 0);
        printf("acpi: using slp_typ=%u instead of _S5\n", po.typ_a);
    }
    power_off(&po);
    return 1;
}
