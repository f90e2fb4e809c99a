package io.kvmj.kvm;

import io.kvmj.kvm.gen.libc.LibcHeaders;
import io.kvmj.kvm.gen.linux.KvmHeaders;
import io.kvmj.kvm.gen.linux.kvm_cpuid2;
import io.kvmj.kvm.gen.linux.kvm_cpuid_entry2;
import io.kvmj.kvm.gen.linux.kvm_fpu;
import io.kvmj.kvm.gen.linux.kvm_lapic_state;
import io.kvmj.kvm.gen.linux.kvm_msr_entry;
import io.kvmj.kvm.gen.linux.kvm_msrs;
import io.kvmj.kvm.gen.linux.kvm_run;
import io.kvmj.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.List;

/** A vCPU fd and its mmapped {@code kvm_run}: register state, CPUID, MSRs, and the KVM_RUN loop step. */
public final class VcpuFd implements AutoCloseable {
    private static final VarHandle IMMEDIATE_EXIT = ValueLayout.JAVA_BYTE.varHandle();
    private final int id;
    private final int fd;
    private final MemorySegment run;
    // The exit union's io and mmio members, sliced once: run() reads them on every exit and must not allocate.
    private final MemorySegment ioExit;
    private final MemorySegment mmioExit;
    private final Arena arena = Arena.ofShared();
    private final Registers registers = Registers.allocate(arena);
    private final SpecialRegisters specialRegisters = SpecialRegisters.allocate(arena);
    private final long kvmRun = KvmHeaders.KVM_RUN();
    private final int exitIo = KvmHeaders.KVM_EXIT_IO();
    private final int exitMmio = KvmHeaders.KVM_EXIT_MMIO();
    private final int eintr = LibcHeaders.EINTR();
    private final int eagain = LibcHeaders.EAGAIN();
    private final int einval = LibcHeaders.EINVAL();
    private final int exitUnknown = KvmHeaders.KVM_EXIT_UNKNOWN();
    private final VcpuExit.IoIn ioIn;
    private final VcpuExit.IoOut ioOut;
    private final VcpuExit.MmioRead mmioRead;
    private final VcpuExit.MmioWrite mmioWrite;
    private final VcpuExit.SystemEvent systemEvent;
    private final VcpuExit.InternalError internalError;
    private final VcpuExit.FailEntry failEntry;
    private final VcpuExit.Unsupported unsupported;

    VcpuFd(int id, int fd, MemorySegment run) {
        this.id = id;
        this.fd = fd;
        this.run = run;
        ioExit = kvm_run.io(run);
        mmioExit = kvm_run.mmio(run);
        ioIn = new VcpuExit.IoIn(run);
        ioOut = new VcpuExit.IoOut(run);
        mmioRead = new VcpuExit.MmioRead(run);
        mmioWrite = new VcpuExit.MmioWrite(run);
        systemEvent = new VcpuExit.SystemEvent(run);
        internalError = new VcpuExit.InternalError(run);
        failEntry = new VcpuExit.FailEntry(run);
        unsupported = new VcpuExit.Unsupported(run);
    }

    public int id() {
        return id;
    }

    /**
     * Runs the guest until the next exit to user space. Never allocates: the returned view is reused.
     * A kick (a signal, or {@code immediate_exit} set) yields {@link VcpuExit.Interrupted}; so does entering with
     * {@code immediate_exit} set after an I/O or MMIO exit, once KVM has completed that access.
     *
     * @throws KvmException KVM_RUN failed other than by a kick (the errno names why)
     */
    public VcpuExit run() {
        // A failed KVM_RUN leaves exit_reason as it was, unless KVM says why (a signal sets KVM_EXIT_INTR):
        // reset, a failure can never read as the previous exit (or as a kick the previous call reported).
        kvm_run.exit_reason(run, exitUnknown);
        int r = Libc.ioctlNoErrno(fd, kvmRun, 0);
        if (r < 0) {
            return failedRun();
        }
        return exit();
    }

    /** The exit KVM_RUN just reported, decoded from kvm_run. */
    private VcpuExit exit() {
        int reason = kvm_run.exit_reason(run);
        if (reason == exitIo) {
            return kvm_run.io.direction(ioExit) == KvmHeaders.KVM_EXIT_IO_OUT() ? ioOut : ioIn;
        }
        if (reason == exitMmio) {
            return kvm_run.mmio.is_write(mmioExit) != 0 ? mmioWrite : mmioRead;
        }
        if (reason == KvmHeaders.KVM_EXIT_HLT()) {
            return VcpuExit.Hlt.INSTANCE;
        }
        if (reason == KvmHeaders.KVM_EXIT_SHUTDOWN()) {
            return VcpuExit.Shutdown.INSTANCE;
        }
        if (reason == KvmHeaders.KVM_EXIT_SYSTEM_EVENT()) {
            return systemEvent;
        }
        if (reason == KvmHeaders.KVM_EXIT_INTERNAL_ERROR()) {
            return internalError;
        }
        if (reason == KvmHeaders.KVM_EXIT_FAIL_ENTRY()) {
            return failEntry;
        }
        if (reason == KvmHeaders.KVM_EXIT_INTR()) {
            return VcpuExit.Interrupted.INSTANCE;
        }
        return unsupported;
    }

    /**
     * Why KVM_RUN failed. A signal is the usual reason, and KVM says so without errno by setting KVM_EXIT_INTR.
     * Otherwise only the errno tells, and only the errno-capturing call (which allocates, so is kept off the
     * per-exit path) gives it: KVM_RUN runs again through it. With {@code immediate_exit} set (a kick, or a
     * pending access being completed) the guest cannot run in between: it fails again, with EINTR for the kick
     * or the same errno for a real error. Without it, a persistent failure repeats with its errno, and one that
     * has passed runs the guest on, whose exit is then reported.
     */
    private VcpuExit failedRun() {
        if (kvm_run.exit_reason(run) == KvmHeaders.KVM_EXIT_INTR()) {
            return VcpuExit.Interrupted.INSTANCE;
        }
        int r = Libc.ioctlRaw(fd, kvmRun, 0);
        if (r >= 0) {
            return exit();
        }
        if (-r == eintr || -r == eagain) {
            return VcpuExit.Interrupted.INSTANCE;
        }
        throw new KvmException("KVM_RUN on vCPU " + id, -r);
    }

    /**
     * Sets or clears {@code kvm_run.immediate_exit}, with volatile semantics: a kicker sets it and then
     * signals; the vCPU thread clears it and then reads its pending requests (volatile reads). A volatile store
     * followed by a volatile load cannot be reordered (a plain store could still sit in the store buffer, land
     * after the kicker's, and erase the kick the load missed), so either the thread sees the request or the
     * kicker's store comes after the clear and the next KVM_RUN returns at once.
     */
    public void setImmediateExit(boolean on) {
        IMMEDIATE_EXIT.setVolatile(run, kvm_run.immediate_exit$offset(), (byte) (on ? 1 : 0));
    }

    /**
     * KVM_KVMCLOCK_CTRL: tells the guest's kvmclock that the host stopped this vCPU, so the guest's soft-lockup
     * watchdog does not count the pause as a hang. Returns false if the guest has no kvmclock (EINVAL).
     *
     * @throws KvmException any other failure
     */
    public boolean notifyKvmclockPaused() {
        int r = Libc.ioctlRaw(fd, KvmHeaders.KVM_KVMCLOCK_CTRL(), 0);
        if (r == -einval) {
            return false;
        }
        if (r < 0) {
            throw new KvmException("KVM_KVMCLOCK_CTRL on vCPU " + id, -r);
        }
        return true;
    }

    /** Reads the general-purpose registers into this vCPU's reusable {@link Registers} view. */
    public Registers registers() {
        Ioctl.call(fd, KvmHeaders.KVM_GET_REGS(), registers.regs, "KVM_GET_REGS");
        return registers;
    }

    public void setRegisters(Registers r) {
        Ioctl.call(fd, KvmHeaders.KVM_SET_REGS(), r.regs, "KVM_SET_REGS");
    }

    public SpecialRegisters specialRegisters() {
        Ioctl.call(fd, KvmHeaders.KVM_GET_SREGS(), specialRegisters.sregs, "KVM_GET_SREGS");
        return specialRegisters;
    }

    public void setSpecialRegisters(SpecialRegisters s) {
        Ioctl.call(fd, KvmHeaders.KVM_SET_SREGS(), s.sregs, "KVM_SET_SREGS");
    }

    public void setCpuid(List<CpuidEntry> entries) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cpuid = a.allocate(kvm_cpuid2.sizeof() + entries.size() * kvm_cpuid_entry2.sizeof());
            kvm_cpuid2.nent(cpuid, entries.size());
            MemorySegment array = cpuid.asSlice(kvm_cpuid2.sizeof());
            for (int i = 0; i < entries.size(); i++) {
                CpuidEntry e = entries.get(i);
                MemorySegment k = kvm_cpuid_entry2.asSlice(array, i);
                kvm_cpuid_entry2.function(k, e.function());
                kvm_cpuid_entry2.index(k, e.index());
                kvm_cpuid_entry2.flags(k, e.flags());
                kvm_cpuid_entry2.eax(k, e.eax());
                kvm_cpuid_entry2.ebx(k, e.ebx());
                kvm_cpuid_entry2.ecx(k, e.ecx());
                kvm_cpuid_entry2.edx(k, e.edx());
            }
            Ioctl.call(fd, KvmHeaders.KVM_SET_CPUID2(), cpuid, "KVM_SET_CPUID2");
        }
    }

    /** Sets every MSR in the list; KVM stops at the first one it rejects, which becomes an error here. */
    public void setMsrs(List<MsrEntry> msrs) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(kvm_msrs.sizeof() + msrs.size() * kvm_msr_entry.sizeof());
            kvm_msrs.nmsrs(m, msrs.size());
            MemorySegment array = m.asSlice(kvm_msrs.sizeof());
            for (int i = 0; i < msrs.size(); i++) {
                MemorySegment e = kvm_msr_entry.asSlice(array, i);
                kvm_msr_entry.index(e, msrs.get(i).index());
                kvm_msr_entry.data(e, msrs.get(i).value());
            }
            int set = Ioctl.call(fd, KvmHeaders.KVM_SET_MSRS(), m, "KVM_SET_MSRS");
            if (set != msrs.size()) {
                throw new KvmUnavailableException(String.format("KVM_SET_MSRS rejected MSR 0x%x on vCPU %d",
                        msrs.get(set).index(), id));
            }
        }
    }

    /** Reads one MSR's current value (KVM_GET_MSRS). */
    public long msr(int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(kvm_msrs.sizeof() + kvm_msr_entry.sizeof());
            kvm_msrs.nmsrs(m, 1);
            MemorySegment e = kvm_msr_entry.asSlice(m.asSlice(kvm_msrs.sizeof()), 0);
            kvm_msr_entry.index(e, index);
            if (Ioctl.call(fd, KvmHeaders.KVM_GET_MSRS(), m, "KVM_GET_MSRS") != 1) {
                throw new KvmUnavailableException(String.format("KVM cannot read MSR 0x%x on vCPU %d", index, id));
            }
            return kvm_msr_entry.data(e);
        }
    }

    /** Sets the x87 control word and MXCSR to their power-on defaults' usual replacements. */
    public void setFpu(int fcw, int mxcsr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = kvm_fpu.allocate(a);
            kvm_fpu.fcw(f, (short) fcw);
            kvm_fpu.mxcsr(f, mxcsr);
            Ioctl.call(fd, KvmHeaders.KVM_SET_FPU(), f, "KVM_SET_FPU");
        }
    }

    /** The in-kernel local APIC's 1 KiB register page. */
    public byte[] lapic() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_lapic_state.allocate(a);
            Ioctl.call(fd, KvmHeaders.KVM_GET_LAPIC(), s, "KVM_GET_LAPIC");
            return kvm_lapic_state.regs(s).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    public void setLapic(byte[] registerPage) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_lapic_state.allocate(a);
            kvm_lapic_state.regs(s).copyFrom(MemorySegment.ofArray(registerPage));
            Ioctl.call(fd, KvmHeaders.KVM_SET_LAPIC(), s, "KVM_SET_LAPIC");
        }
    }

    @Override
    public void close() {
        Libc.munmap(run);
        Libc.close(fd);
        arena.close();
    }
}
