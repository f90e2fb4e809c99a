package io.kvmj.vmm.boot;

import io.kvmj.kvm.Registers;
import io.kvmj.kvm.SpecialRegisters;
import io.kvmj.kvm.VcpuFd;
import io.kvmj.vmm.arch.x86.PvhCpuState;
import io.kvmj.vmm.arch.x86.longmode.LongModeCpuState;

/** How the boot CPU enters the loaded kernel; the other vCPUs wait for the guest's INIT/SIPI. */
public sealed interface BootEntry {
    /** Sets the boot vCPU's registers for this entry. */
    void applyTo(VcpuFd bootCpu);

    /** The PVH ABI: 32-bit protected mode, %ebx = hvm_start_info. */
    record Pvh(long entry, long startInfo) implements BootEntry {
        @Override
        public void applyTo(VcpuFd cpu) {
            Registers regs = cpu.registers();
            PvhCpuState.apply(regs, entry, startInfo);
            cpu.setRegisters(regs);
            SpecialRegisters sregs = cpu.specialRegisters();
            PvhCpuState.apply(sregs);
            cpu.setSpecialRegisters(sregs);
        }
    }

    /** The Linux 64-bit boot protocol: long mode, identity paging, %rsi = boot_params. */
    record Linux64(long entry, long zeroPage) implements BootEntry {
        @Override
        public void applyTo(VcpuFd cpu) {
            Registers regs = cpu.registers();
            LongModeCpuState.apply(regs, entry, zeroPage);
            cpu.setRegisters(regs);
            SpecialRegisters sregs = cpu.specialRegisters();
            LongModeCpuState.apply(sregs);
            cpu.setSpecialRegisters(sregs);
        }
    }
}
