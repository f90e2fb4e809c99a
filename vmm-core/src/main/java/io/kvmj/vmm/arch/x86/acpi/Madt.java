package io.kvmj.vmm.arch.x86.acpi;

/**
 * The Multiple APIC Description Table ("APIC", revision 5, ACPI 6.3 section 5.2.12): local APIC address and
 * PCAT_COMPAT, one Processor Local APIC entry per vCPU (ACPI UID = vCPU index, id {@link ApicLayout#apicId},
 * enabled; Processor Local x2APIC entries for ids above 254), the IOAPIC, the PC's ISA IRQ 0 to GSI 2 override,
 * and LINT1 as NMI for all processors (plus the x2APIC form when x2APIC entries exist).
 *
 * <p>PCAT_COMPAT is set: KVM's in-kernel irqchip does have the 8259 pair next to the IOAPIC (newer Linux trusts
 * this flag instead of probing for the PIC; in hardware-reduced mode Linux leaves the PIC alone anyway).
 */
final class Madt {
    static final String SIGNATURE = "APIC";
    static final int REVISION = 5;
    static final int HEADER_SIZE = Sdt.HEADER_SIZE + 8;
    static final int FLAG_PCAT_COMPAT = 1;

    static final int TYPE_LOCAL_APIC = 0;
    static final int TYPE_IOAPIC = 1;
    static final int TYPE_INTERRUPT_SOURCE_OVERRIDE = 2;
    static final int TYPE_LOCAL_APIC_NMI = 4;
    static final int TYPE_LOCAL_X2APIC = 9;
    static final int TYPE_LOCAL_X2APIC_NMI = 0x0a;

    static final int LOCAL_APIC_ENABLED = 1;
    /** MPS INTI flags: active high (bits 1-0 = 01), edge-triggered (bits 3-2 = 01). */
    static final int INTI_EDGE_ACTIVE_HIGH = 0x0005;
    static final int ALL_PROCESSORS_UID = 0xff;
    static final long ALL_PROCESSORS_X2_UID = 0xffff_ffffL;

    private Madt() {
    }

    static byte[] build(int vcpuCount) {
        ByteSink body = new ByteSink()
                .u32(ApicLayout.LOCAL_APIC_ADDRESS)
                .u32(FLAG_PCAT_COMPAT);
        for (int uid = 0; uid < vcpuCount; uid++) {
            int id = ApicLayout.apicId(uid);
            if (id <= ApicLayout.MAX_XAPIC_ID) {
                body.u8(TYPE_LOCAL_APIC).u8(8).u8(uid).u8(id).u32(LOCAL_APIC_ENABLED);
            } else {
                body.u8(TYPE_LOCAL_X2APIC).u8(16).u16(0).u32(id).u32(LOCAL_APIC_ENABLED).u32(uid);
            }
        }
        body.u8(TYPE_IOAPIC).u8(12).u8(ApicLayout.IOAPIC_ID).u8(0)
                .u32(ApicLayout.IOAPIC_ADDRESS).u32(ApicLayout.IOAPIC_GSI_BASE);
        body.u8(TYPE_INTERRUPT_SOURCE_OVERRIDE).u8(10).u8(0 /* ISA */).u8(ApicLayout.TIMER_ISA_IRQ)
                .u32(ApicLayout.TIMER_GSI).u16(INTI_EDGE_ACTIVE_HIGH);
        body.u8(TYPE_LOCAL_APIC_NMI).u8(6).u8(ALL_PROCESSORS_UID).u16(INTI_EDGE_ACTIVE_HIGH)
                .u8(ApicLayout.LINT_NMI);
        if (vcpuCount > ApicLayout.MAX_XAPIC_ID + 1) {
            body.u8(TYPE_LOCAL_X2APIC_NMI).u8(12).u16(INTI_EDGE_ACTIVE_HIGH).u32(ALL_PROCESSORS_X2_UID)
                    .u8(ApicLayout.LINT_NMI).zeros(3);
        }
        return Sdt.table(SIGNATURE, REVISION, body.toArray());
    }
}
