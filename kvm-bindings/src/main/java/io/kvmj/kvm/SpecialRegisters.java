package io.kvmj.kvm;

import io.kvmj.kvm.gen.linux.kvm_dtable;
import io.kvmj.kvm.gen.linux.kvm_segment;
import io.kvmj.kvm.gen.linux.kvm_sregs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A vCPU's segment, control and descriptor-table registers (struct kvm_sregs). */
public final class SpecialRegisters {
    /** The segment registers, by their field in kvm_sregs. */
    public enum Seg { CS, DS, ES, FS, GS, SS, TR, LDT }

    final MemorySegment sregs;

    SpecialRegisters(MemorySegment sregs) {
        this.sregs = sregs;
    }

    /** A register set of its own, not tied to a vCPU: to prepare a state for {@link VcpuFd#setSpecialRegisters}. */
    public static SpecialRegisters allocate(Arena arena) {
        return new SpecialRegisters(kvm_sregs.allocate(arena));
    }

    private MemorySegment field(Seg which) {
        return switch (which) {
            case CS -> kvm_sregs.cs(sregs);
            case DS -> kvm_sregs.ds(sregs);
            case ES -> kvm_sregs.es(sregs);
            case FS -> kvm_sregs.fs(sregs);
            case GS -> kvm_sregs.gs(sregs);
            case SS -> kvm_sregs.ss(sregs);
            case TR -> kvm_sregs.tr(sregs);
            case LDT -> kvm_sregs.ldt(sregs);
        };
    }

    public SpecialRegisters segment(Seg which, Segment s) {
        MemorySegment k = field(which);
        kvm_segment.base(k, s.base());
        kvm_segment.limit(k, s.limit());
        kvm_segment.selector(k, (short) s.selector());
        kvm_segment.type(k, (byte) s.type());
        kvm_segment.present(k, (byte) (s.present() ? 1 : 0));
        kvm_segment.dpl(k, (byte) s.dpl());
        kvm_segment.db(k, (byte) (s.db() ? 1 : 0));
        kvm_segment.s(k, (byte) (s.s() ? 1 : 0));
        kvm_segment.l(k, (byte) (s.l() ? 1 : 0));
        kvm_segment.g(k, (byte) (s.g() ? 1 : 0));
        kvm_segment.avl(k, (byte) 0);
        kvm_segment.unusable(k, (byte) (s.present() ? 0 : 1));
        return this;
    }

    public Segment segment(Seg which) {
        MemorySegment k = field(which);
        return new Segment(kvm_segment.base(k), kvm_segment.limit(k), Short.toUnsignedInt(kvm_segment.selector(k)),
                kvm_segment.type(k), kvm_segment.present(k) != 0, kvm_segment.dpl(k), kvm_segment.db(k) != 0,
                kvm_segment.s(k) != 0, kvm_segment.l(k) != 0, kvm_segment.g(k) != 0);
    }

    public SpecialRegisters gdt(long base, int limit) {
        MemorySegment t = kvm_sregs.gdt(sregs);
        kvm_dtable.base(t, base);
        kvm_dtable.limit(t, (short) limit);
        return this;
    }

    public long gdtBase() {
        return kvm_dtable.base(kvm_sregs.gdt(sregs));
    }

    public int gdtLimit() {
        return Short.toUnsignedInt(kvm_dtable.limit(kvm_sregs.gdt(sregs)));
    }

    public long idtBase() {
        return kvm_dtable.base(kvm_sregs.idt(sregs));
    }

    public int idtLimit() {
        return Short.toUnsignedInt(kvm_dtable.limit(kvm_sregs.idt(sregs)));
    }

    public SpecialRegisters idt(long base, int limit) {
        MemorySegment t = kvm_sregs.idt(sregs);
        kvm_dtable.base(t, base);
        kvm_dtable.limit(t, (short) limit);
        return this;
    }

    public long cr0() {
        return kvm_sregs.cr0(sregs);
    }

    public SpecialRegisters cr0(long v) {
        kvm_sregs.cr0(sregs, v);
        return this;
    }

    public long cr3() {
        return kvm_sregs.cr3(sregs);
    }

    public SpecialRegisters cr3(long v) {
        kvm_sregs.cr3(sregs, v);
        return this;
    }

    public long cr4() {
        return kvm_sregs.cr4(sregs);
    }

    public SpecialRegisters cr4(long v) {
        kvm_sregs.cr4(sregs, v);
        return this;
    }

    public long efer() {
        return kvm_sregs.efer(sregs);
    }

    public SpecialRegisters efer(long v) {
        kvm_sregs.efer(sregs, v);
        return this;
    }

    /** The whole struct kvm_sregs as is (the x86_64 KVM ABI), to store it; {@link #load} takes it back. */
    public byte[] toBytes() {
        return sregs.toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * Overwrites every register with {@code struct}, a kvm_sregs as {@link #toBytes} gave it.
     *
     * @throws IllegalArgumentException {@code struct} is not the size of kvm_sregs
     */
    public SpecialRegisters load(byte[] struct) {
        StructBytes.requireSize(struct, kvm_sregs.sizeof(), "kvm_sregs");
        sregs.copyFrom(MemorySegment.ofArray(struct));
        return this;
    }
}
