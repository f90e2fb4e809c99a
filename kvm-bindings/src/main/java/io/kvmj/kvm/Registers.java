package io.kvmj.kvm;

import io.kvmj.kvm.gen.linux.kvm_regs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A vCPU's general-purpose registers (struct kvm_regs), read with {@link VcpuFd#registers()}. */
public final class Registers {
    final MemorySegment regs;

    Registers(MemorySegment regs) {
        this.regs = regs;
    }

    /** A register set of its own, not tied to a vCPU: to prepare a state for {@link VcpuFd#setRegisters}. */
    public static Registers allocate(Arena arena) {
        return new Registers(kvm_regs.allocate(arena));
    }

    public long rip() {
        return kvm_regs.rip(regs);
    }

    public Registers rip(long v) {
        kvm_regs.rip(regs, v);
        return this;
    }

    public long rsp() {
        return kvm_regs.rsp(regs);
    }

    public Registers rsp(long v) {
        kvm_regs.rsp(regs, v);
        return this;
    }

    public long rflags() {
        return kvm_regs.rflags(regs);
    }

    public Registers rflags(long v) {
        kvm_regs.rflags(regs, v);
        return this;
    }

    public long rbx() {
        return kvm_regs.rbx(regs);
    }

    public Registers rbx(long v) {
        kvm_regs.rbx(regs, v);
        return this;
    }

    public long rsi() {
        return kvm_regs.rsi(regs);
    }

    public Registers rsi(long v) {
        kvm_regs.rsi(regs, v);
        return this;
    }

    /** Zeroes every register, e.g. before setting a boot state. */
    public Registers clear() {
        regs.fill((byte) 0);
        return this;
    }

    /** The whole struct kvm_regs as is (the x86_64 KVM ABI), to store it; {@link #load} takes it back. */
    public byte[] toBytes() {
        return regs.toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * Overwrites every register with {@code struct}, a kvm_regs as {@link #toBytes} gave it.
     *
     * @throws IllegalArgumentException {@code struct} is not the size of kvm_regs
     */
    public Registers load(byte[] struct) {
        StructBytes.requireSize(struct, kvm_regs.sizeof(), "kvm_regs");
        regs.copyFrom(MemorySegment.ofArray(struct));
        return this;
    }
}
