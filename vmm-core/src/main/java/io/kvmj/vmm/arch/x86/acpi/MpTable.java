package io.kvmj.vmm.arch.x86.acpi;

import io.kvmj.vmm.arch.x86.BootLayout;
import io.kvmj.vmm.memory.GuestMemory;

/**
 * The Intel MultiProcessor Specification 1.4 tables, for guests booted without ACPI ({@code acpi=off}): the 16-byte
 * floating pointer structure ("_MP_") followed by the configuration table ("PCMP") with
 * <ul>
 * <li>one processor entry per vCPU (local APIC id {@link ApicLayout#apicId}, vCPU 0 the bootstrap processor),</li>
 * <li>bus 0, "ISA   ",</li>
 * <li>the IOAPIC ({@link ApicLayout#IOAPIC_ID}, {@link ApicLayout#IOAPIC_ADDRESS}),</li>
 * <li>I/O interrupt entries: ISA IRQ 0 to pin 2, IRQs 1 and 3-15 to their own pins (IRQ 2 is the 8259
 * cascade), and IRQs 16-23 to pins 16-23, so devices on those GSIs (kvmj's virtio-mmio ones) get routed too,
 * all with the bus's default polarity and trigger (active high, edge),</li>
 * <li>local interrupt entries: the 8259's ExtINT on LINT0 and NMI on LINT1 of every local APIC.</li>
 * </ul>
 * Linux looks for the floating pointer in the first KiB, in the last KiB below 640 KiB and in 0xf0000-0xfffff;
 * kvmj puts it at {@link #DEFAULT_ADDRESS}, the start of the EBDA (last KiB below 640 KiB), with the configuration
 * table right behind it.
 */
public final class MpTable {
    public static final long DEFAULT_ADDRESS = BootLayout.EBDA_START;
    /** APIC ids are 8 bits and 0xff is the broadcast id: the MP table describes at most 255 processors (0-254). */
    public static final int MAX_VCPUS = ApicLayout.MAX_XAPIC_ID + 1;

    static final String FLOATING_SIGNATURE = "_MP_";
    static final String TABLE_SIGNATURE = "PCMP";
    static final int SPEC_REVISION = 4; // 1.4
    static final int FLOATING_LENGTH = 16;
    static final int TABLE_HEADER_LENGTH = 44;
    static final int FLOATING_CHECKSUM_OFFSET = 10;
    static final int TABLE_CHECKSUM_OFFSET = 7;
    static final int TABLE_LENGTH_OFFSET = 4;
    static final int TABLE_ENTRY_COUNT_OFFSET = 34;

    static final int ENTRY_PROCESSOR = 0;
    static final int ENTRY_BUS = 1;
    static final int ENTRY_IOAPIC = 2;
    static final int ENTRY_IO_INTERRUPT = 3;
    static final int ENTRY_LOCAL_INTERRUPT = 4;
    static final int PROCESSOR_ENTRY_LENGTH = 20;
    static final int OTHER_ENTRY_LENGTH = 8;

    static final int CPU_ENABLED = 0x01;
    static final int CPU_BOOTSTRAP = 0x02;
    /** Family 6, as KVM's default CPU models; the field is informational. */
    static final int CPU_SIGNATURE = 0x600;
    /** CPUID.1:EDX FPU (bit 0) and APIC (bit 9). */
    static final int CPU_FEATURES = 0x201;
    static final int IOAPIC_ENABLED = 0x01;
    static final int INT_TYPE_INT = 0;
    static final int INT_TYPE_NMI = 1;
    static final int INT_TYPE_EXTINT = 3;
    /** Conforming to the bus: for ISA, active high and edge-triggered. */
    static final int INT_FLAGS_CONFORMING = 0;
    static final int ISA_BUS_ID = 0;
    static final int ALL_LOCAL_APICS = 0xff;

    private MpTable() {
    }

    /**
     * Writes the floating pointer at {@code address} (16-byte aligned) and the configuration table after it; returns
     * the address just past the table. Nothing is written when the range is not guest RAM.
     */
    public static long write(GuestMemory memory, long address, int vcpuCount) {
        byte[] image = image(address, vcpuCount);
        memory.write(address, image);
        return address + image.length;
    }

    static byte[] image(long address, int vcpuCount) {
        if (vcpuCount < 1 || vcpuCount > MAX_VCPUS) {
            throw new IllegalArgumentException("the MP table describes 1 to " + MAX_VCPUS + " vCPUs, not " + vcpuCount);
        }
        if (address < 0 || (address & 15) != 0 || address + FLOATING_LENGTH > 0xffff_ffffL) {
            throw new IllegalArgumentException("the MP floating pointer needs a 16-byte aligned 32-bit address: 0x"
                    + Long.toHexString(address));
        }
        byte[] table = configurationTable(vcpuCount);
        byte[] floating = new ByteSink()
                .ascii(FLOATING_SIGNATURE, 4, ' ')
                .u32(address + FLOATING_LENGTH) // physical address of the configuration table
                .u8(1) // length in 16-byte paragraphs
                .u8(SPEC_REVISION)
                .u8(0) // checksum, below
                .u8(0) // feature byte 1: 0 = a configuration table is present
                .u8(0) // feature byte 2: IMCRP clear, virtual wire mode (no IMCR)
                .zeros(3)
                .toArray();
        floating[FLOATING_CHECKSUM_OFFSET] = ByteSink.checksum(floating, 0, FLOATING_LENGTH);
        return new ByteSink().bytes(floating).bytes(table).toArray();
    }

    static byte[] configurationTable(int vcpuCount) {
        ByteSink entries = new ByteSink();
        int count = 0;
        for (int vcpu = 0; vcpu < vcpuCount; vcpu++) {
            entries.u8(ENTRY_PROCESSOR).u8(ApicLayout.apicId(vcpu)).u8(ApicLayout.LOCAL_APIC_VERSION)
                    .u8(CPU_ENABLED | (vcpu == 0 ? CPU_BOOTSTRAP : 0))
                    .u32(CPU_SIGNATURE).u32(CPU_FEATURES).zeros(8);
            count++;
        }
        entries.u8(ENTRY_BUS).u8(ISA_BUS_ID).ascii("ISA", 6, ' ');
        count++;
        entries.u8(ENTRY_IOAPIC).u8(ApicLayout.IOAPIC_ID).u8(ApicLayout.IOAPIC_VERSION).u8(IOAPIC_ENABLED)
                .u32(ApicLayout.IOAPIC_ADDRESS);
        count++;
        for (int irq = 0; irq < ApicLayout.IOAPIC_PINS; irq++) {
            if (irq == ApicLayout.CASCADE_ISA_IRQ) {
                continue;
            }
            int pin = irq == ApicLayout.TIMER_ISA_IRQ ? ApicLayout.TIMER_GSI : irq;
            entries.u8(ENTRY_IO_INTERRUPT).u8(INT_TYPE_INT).u16(INT_FLAGS_CONFORMING)
                    .u8(ISA_BUS_ID).u8(irq).u8(ApicLayout.IOAPIC_ID).u8(pin);
            count++;
        }
        entries.u8(ENTRY_LOCAL_INTERRUPT).u8(INT_TYPE_EXTINT).u16(INT_FLAGS_CONFORMING)
                .u8(ISA_BUS_ID).u8(0).u8(ALL_LOCAL_APICS).u8(ApicLayout.LINT_EXTINT);
        entries.u8(ENTRY_LOCAL_INTERRUPT).u8(INT_TYPE_NMI).u16(INT_FLAGS_CONFORMING)
                .u8(ISA_BUS_ID).u8(0).u8(ALL_LOCAL_APICS).u8(ApicLayout.LINT_NMI);
        count += 2;

        byte[] body = entries.toArray();
        byte[] table = new ByteSink()
                .ascii(TABLE_SIGNATURE, 4, ' ')
                .u16(TABLE_HEADER_LENGTH + body.length)
                .u8(SPEC_REVISION)
                .u8(0) // checksum, below
                .ascii("KVMJ", 8, ' ') // OEM id
                .ascii("KVMJVM", 12, ' ') // product id
                .u32(0) // no OEM table
                .u16(0)
                .u16(count)
                .u32(ApicLayout.LOCAL_APIC_ADDRESS)
                .u16(0) // no extended table
                .u8(0)
                .u8(0)
                .bytes(body)
                .toArray();
        table[TABLE_CHECKSUM_OFFSET] = ByteSink.checksum(table, 0, table.length);
        return table;
    }
}
