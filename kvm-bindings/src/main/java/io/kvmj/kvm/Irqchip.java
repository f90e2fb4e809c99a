package io.kvmj.kvm;

import io.kvmj.kvm.gen.linux.KvmHeaders;

/**
 * One of the in-kernel interrupt controllers' state (struct kvm_irqchip): {@code chipId} says which, {@code chip}
 * is its state union as is (512 bytes: struct kvm_pic_state or struct kvm_ioapic_state).
 *
 * @throws IllegalArgumentException an unknown chip, or {@code chip} not 512 bytes
 */
public record Irqchip(int chipId, byte[] chip) {
    public static final int PIC_MASTER = KvmHeaders.KVM_IRQCHIP_PIC_MASTER();
    public static final int PIC_SLAVE = KvmHeaders.KVM_IRQCHIP_PIC_SLAVE();
    public static final int IOAPIC = KvmHeaders.KVM_IRQCHIP_IOAPIC();
    /** The size of kvm_irqchip's chip union. */
    public static final int CHIP_SIZE = 512;

    public Irqchip {
        if (chipId != PIC_MASTER && chipId != PIC_SLAVE && chipId != IOAPIC) {
            throw new IllegalArgumentException("no in-kernel irqchip " + chipId);
        }
        StructBytes.requireSize(chip, CHIP_SIZE, "kvm_irqchip.chip");
    }
}
