package io.kvmj.vmm.arch.x86.acpi;

/**
 * The interrupt controllers a kvmj guest has (KVM's in-kernel local APICs, IOAPIC and 8259 pair) as the MADT and
 * the MP table describe them.
 */
public final class ApicLayout {
    public static final long LOCAL_APIC_ADDRESS = 0xfee0_0000L;
    public static final long IOAPIC_ADDRESS = 0xfec0_0000L;
    /**
     * 0, the value KVM's IOAPIC ID register holds after reset (it keeps only 4 bits, so ids past the vCPUs would
     * not fit for large VMs). On xAPIC systems, which KVM's local APICs (version 0x14) are, IOAPIC and local APIC
     * ids are separate name spaces, so sharing 0 with vCPU 0 is allowed; QEMU describes its IOAPIC the same way.
     */
    public static final int IOAPIC_ID = 0;
    /** KVM's IOAPIC: 24 input pins, GSIs 0 to 23. */
    public static final int IOAPIC_PINS = 24;
    public static final int IOAPIC_GSI_BASE = 0;
    /** KVM_IOAPIC's version register (IOAPIC_VERSION_ID). */
    public static final int IOAPIC_VERSION = 0x11;
    /** KVM's local APIC version register: an integrated xAPIC. */
    public static final int LOCAL_APIC_VERSION = 0x14;
    /** The PIT's ISA IRQ and the IOAPIC pin it is wired to, as on PCs. */
    public static final int TIMER_ISA_IRQ = 0;
    public static final int TIMER_GSI = 2;
    /** The 8259 cascade: not a usable ISA IRQ. */
    public static final int CASCADE_ISA_IRQ = 2;
    public static final int ISA_IRQS = 16;
    /** The largest xAPIC id; 0xff is the broadcast id, so larger ids need x2APIC entries. */
    public static final int MAX_XAPIC_ID = 254;
    /** LINT1 carries NMIs, LINT0 the 8259's ExtINT (virtual wire mode, see {@code LocalApic.withVirtualWire}). */
    public static final int LINT_EXTINT = 0;
    public static final int LINT_NMI = 1;

    /**
     * The local APIC id of vCPU {@code vcpuIndex}: the index itself, because KVM gives a vCPU's in-kernel local
     * APIC the id the vCPU was created with (KVM_CREATE_VCPU), and kvmj creates vCPU i with id i. The MADT, the
     * MP table and every CPUID leaf that reports an APIC id use this.
     */
    public static int apicId(int vcpuIndex) {
        return vcpuIndex;
    }

    private ApicLayout() {
    }
}
