package io.kvmj.vmm.boot;

import io.kvmj.kvm.Registers;
import io.kvmj.kvm.SpecialRegisters;
import io.kvmj.kvm.VcpuFd;
import io.kvmj.vmm.arch.x86.PvhCpuState;
import io.kvmj.vmm.arch.x86.longmode.LongModeCpuState;

/** How the boot CPU enters the loaded kernel; the other vCPUs wait for the guest's INIT/SIPI. */
public sealed interface BootEntry {
    void setUp(Registers regs);

    void setUp(SpecialRegisters sregs);

    /** Sets the boot vCPU's registers for this entry. */
    default void applyTo(VcpuFd cpu) {
        Registers regs = cpu.registers();
        setUp(regs);
        cpu.setRegisters(regs);
        SpecialRegisters sregs = cpu.specialRegisters();
        setUp(sregs);
        cpu.setSpecialRegisters(sregs);
    }

    /** The PVH ABI: 32-bit protected mode, %ebx = hvm_start_info. */
    record Pvh(long entry, long startInfo) implements BootEntry {
        @Override
        public void setUp(Registers regs) {
            PvhCpuState.apply(regs, entry, startInfo);
        }

        @Override
        public void setUp(SpecialRegisters sregs) {
            PvhCpuState.apply(sregs);
        }
    }

    /** The Linux 64-bit boot protocol: long mode, identity paging, %rsi = boot_params. */
    record Linux64(long entry, long zeroPage) implements BootEntry {
        @Override
        public void setUp(Registers regs) {
            LongModeCpuState.apply(regs, entry, zeroPage);
        }

        @Override
        public void setUp(SpecialRegisters sregs) {
            LongModeCpuState.apply(sregs);
        }
    }
}
