package io.kvmj.kvm;

import io.kvmj.kvm.gen.libc.LibcHeaders;
import io.kvmj.kvm.gen.linux.KvmHeaders;
import io.kvmj.kvm.gen.linux.kvm_cpuid2;
import io.kvmj.kvm.gen.linux.kvm_cpuid_entry2;
import io.kvmj.kvm.gen.linux.kvm_debugregs;
import io.kvmj.kvm.gen.linux.kvm_fpu;
import io.kvmj.kvm.gen.linux.kvm_lapic_state;
import io.kvmj.kvm.gen.linux.kvm_mp_state;
import io.kvmj.kvm.gen.linux.kvm_msr_entry;
import io.kvmj.kvm.gen.linux.kvm_msrs;
import io.kvmj.kvm.gen.linux.kvm_run;
import io.kvmj.kvm.gen.linux.kvm_xcr;
import io.kvmj.kvm.gen.linux.kvm_xcrs;
import io.kvmj.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A vCPU fd and its mmapped {@code kvm_run}: register state, CPUID, MSRs, and the KVM_RUN loop step. */
public final class VcpuFd implements AutoCloseable {
    private static final VarHandle IMMEDIATE_EXIT = ValueLayout.JAVA_BYTE.varHandle();
    /** KVM's MAX_IO_MSRS: KVM_GET_MSRS and KVM_SET_MSRS refuse longer lists (E2BIG). */
    private static final int MAX_MSRS_PER_CALL = 256;
    /** Enough for every leaf a current CPU reports (KVM's own limit is 256). */
    private static final int MAX_CPUID_ENTRIES = 256;
    /** KVM_MAX_XCRS: the length of struct kvm_xcrs's array. */
    private static final int MAX_XCRS = 16;
    private final int id;
    private final int xsaveSize;
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

    /** @param xsaveSize the XSAVE area's size in bytes, as KVM_CAP_XSAVE2 says, or 0 where KVM does not say */
    VcpuFd(int id, int fd, MemorySegment run, int xsaveSize) {
        this.id = id;
        this.xsaveSize = xsaveSize;
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

    /**
     * The CPUID leaves this vCPU was given (KVM_GET_CPUID2). KVM leaves {@code nent} as it was passed, so the
     * entries past the real ones read as zeros: dropped here (a real leaf 0 has its maximum leaf in EAX).
     *
     * @throws KvmException KVM refuses (E2BIG: more than 256 entries)
     */
    public List<CpuidEntry> cpuid() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cpuid = a.allocate(kvm_cpuid2.sizeof() + MAX_CPUID_ENTRIES * kvm_cpuid_entry2.sizeof());
            kvm_cpuid2.nent(cpuid, MAX_CPUID_ENTRIES);
            Ioctl.call(fd, KvmHeaders.KVM_GET_CPUID2(), cpuid, "KVM_GET_CPUID2 on vCPU " + id);
            return Kvm.readCpuidEntries(cpuid).stream()
                    .filter(e -> e.function() != 0 || e.index() != 0 || e.flags() != 0 || e.eax() != 0)
                    .toList();
        }
    }

    /**
     * Sets every MSR in the list, in order, up to 256 per KVM_SET_MSRS; KVM stops at the first one it rejects,
     * which becomes an error here naming it.
     *
     * @throws KvmUnavailableException KVM rejected an MSR (the message gives its index)
     * @throws KvmException            the ioctl failed
     */
    public void setMsrs(List<MsrEntry> msrs) {
        for (int from = 0; from < msrs.size(); from += MAX_MSRS_PER_CALL) {
            List<MsrEntry> chunk = msrs.subList(from, Math.min(msrs.size(), from + MAX_MSRS_PER_CALL));
            try (Arena a = Arena.ofConfined()) {
                MemorySegment m = msrList(a, chunk.size());
                for (int i = 0; i < chunk.size(); i++) {
                    MemorySegment e = kvm_msr_entry.asSlice(m.asSlice(kvm_msrs.sizeof()), i);
                    kvm_msr_entry.index(e, chunk.get(i).index());
                    kvm_msr_entry.data(e, chunk.get(i).value());
                }
                int set = Ioctl.call(fd, KvmHeaders.KVM_SET_MSRS(), m, "KVM_SET_MSRS");
                if (set != chunk.size()) {
                    throw new KvmUnavailableException(String.format("KVM_SET_MSRS rejected MSR 0x%x on vCPU %d",
                            chunk.get(set).index(), id));
                }
            }
        }
    }

    /**
     * Reads the MSRs {@code indices}, in order, up to 256 per KVM_GET_MSRS.
     *
     * @throws KvmUnavailableException KVM cannot read one of them (the message gives its index)
     * @throws KvmException            the ioctl failed
     */
    public List<MsrEntry> msrs(List<Integer> indices) {
        List<MsrEntry> values = new ArrayList<>(indices.size());
        for (int from = 0; from < indices.size(); from += MAX_MSRS_PER_CALL) {
            List<Integer> chunk = indices.subList(from, Math.min(indices.size(), from + MAX_MSRS_PER_CALL));
            try (Arena a = Arena.ofConfined()) {
                MemorySegment m = msrList(a, chunk.size());
                MemorySegment array = m.asSlice(kvm_msrs.sizeof());
                for (int i = 0; i < chunk.size(); i++) {
                    kvm_msr_entry.index(kvm_msr_entry.asSlice(array, i), chunk.get(i));
                }
                int read = Ioctl.call(fd, KvmHeaders.KVM_GET_MSRS(), m, "KVM_GET_MSRS");
                if (read != chunk.size()) {
                    throw new KvmUnavailableException(String.format("KVM cannot read MSR 0x%x on vCPU %d",
                            chunk.get(read), id));
                }
                for (int i = 0; i < chunk.size(); i++) {
                    MemorySegment e = kvm_msr_entry.asSlice(array, i);
                    values.add(new MsrEntry(kvm_msr_entry.index(e), kvm_msr_entry.data(e)));
                }
            }
        }
        return values;
    }

    private static MemorySegment msrList(Arena a, int count) {
        MemorySegment m = a.allocate(kvm_msrs.sizeof() + count * kvm_msr_entry.sizeof());
        kvm_msrs.nmsrs(m, count);
        return m;
    }

    /** Reads one MSR's current value (KVM_GET_MSRS). */
    public long msr(int index) {
        return msrs(List.of(index)).getFirst().value();
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

    /** The x87 and SSE state (KVM_GET_FPU); {@link #xsave()} holds it too, with every further component. */
    public Fpu fpu() {
        return new Fpu(StructBytes.get(fd, KvmHeaders.KVM_GET_FPU(), Fpu.SIZE, "KVM_GET_FPU on vCPU " + id));
    }

    public void setFpu(Fpu fpu) {
        StructBytes.set(fd, KvmHeaders.KVM_SET_FPU(), fpu.struct(), "KVM_SET_FPU on vCPU " + id);
    }

    /**
     * The whole XSAVE area: KVM_GET_XSAVE2 with the size KVM_CAP_XSAVE2 gives when that is more than 4 KiB
     * (components such as AMX tiles lie beyond), else KVM_GET_XSAVE, which fills 4 KiB.
     */
    public Xsave xsave() {
        if (xsaveSize > Xsave.LEGACY_SIZE) {
            return new Xsave(StructBytes.get(fd, KvmUapi.KVM_GET_XSAVE2, xsaveSize, "KVM_GET_XSAVE2 on vCPU " + id));
        }
        return new Xsave(StructBytes.get(fd, KvmHeaders.KVM_GET_XSAVE(), Xsave.LEGACY_SIZE,
                "KVM_GET_XSAVE on vCPU " + id));
    }

    /**
     * KVM_SET_XSAVE, which since Linux 5.17 reads as many bytes as KVM_CAP_XSAVE2 gives.
     *
     * @throws IllegalArgumentException the area is larger than this host's KVM takes (saved on a CPU with more
     *                                  extended state)
     */
    public void setXsave(Xsave xsave) {
        int size = Math.max(xsaveSize, Xsave.LEGACY_SIZE);
        if (xsave.area().length > size) {
            throw new IllegalArgumentException("the XSAVE area of " + xsave.area().length
                    + " bytes is larger than this host's " + size + " bytes");
        }
        // A smaller area (saved where KVM_GET_XSAVE filled 4 KiB) is padded with zeros: components not in use.
        byte[] area = Arrays.copyOf(xsave.area(), size);
        StructBytes.set(fd, KvmHeaders.KVM_SET_XSAVE(), area, "KVM_SET_XSAVE on vCPU " + id);
    }

    /** The extended control registers (KVM_GET_XCRS): XCR0, which XSAVE components the guest enabled. */
    public List<Xcr> xcrs() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_xcrs.allocate(a);
            Ioctl.call(fd, KvmHeaders.KVM_GET_XCRS(), s, "KVM_GET_XCRS on vCPU " + id);
            List<Xcr> xcrs = new ArrayList<>();
            for (int i = 0; i < kvm_xcrs.nr_xcrs(s); i++) {
                MemorySegment x = kvm_xcrs.xcrs(s, i);
                xcrs.add(new Xcr(kvm_xcr.xcr(x), kvm_xcr.value(x)));
            }
            return List.copyOf(xcrs);
        }
    }

    /**
     * Sets the extended control registers (KVM_SET_XCRS). An empty list sets nothing: it is what KVM_GET_XCRS
     * gives on a host CPU without XSAVE, where KVM refuses KVM_SET_XCRS.
     *
     * @throws IllegalArgumentException more than the 16 XCRs struct kvm_xcrs holds (KVM_MAX_XCRS)
     */
    public void setXcrs(List<Xcr> xcrs) {
        if (xcrs.isEmpty()) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_xcrs.allocate(a);
            if (xcrs.size() > MAX_XCRS) {
                throw new IllegalArgumentException(xcrs.size() + " XCRs, KVM takes at most " + MAX_XCRS);
            }
            kvm_xcrs.nr_xcrs(s, xcrs.size());
            for (int i = 0; i < xcrs.size(); i++) {
                MemorySegment x = kvm_xcrs.xcrs(s, i);
                kvm_xcr.xcr(x, xcrs.get(i).index());
                kvm_xcr.value(x, xcrs.get(i).value());
            }
            Ioctl.call(fd, KvmHeaders.KVM_SET_XCRS(), s, "KVM_SET_XCRS on vCPU " + id);
        }
    }

    public DebugRegisters debugRegisters() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_debugregs.allocate(a);
            Ioctl.call(fd, KvmHeaders.KVM_GET_DEBUGREGS(), s, "KVM_GET_DEBUGREGS on vCPU " + id);
            return new DebugRegisters(kvm_debugregs.db(s).toArray(ValueLayout.JAVA_LONG), kvm_debugregs.dr6(s),
                    kvm_debugregs.dr7(s), kvm_debugregs.flags(s));
        }
    }

    public void setDebugRegisters(DebugRegisters d) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_debugregs.allocate(a);
            kvm_debugregs.db(s).copyFrom(MemorySegment.ofArray(d.db()));
            kvm_debugregs.dr6(s, d.dr6());
            kvm_debugregs.dr7(s, d.dr7());
            kvm_debugregs.flags(s, d.flags());
            Ioctl.call(fd, KvmHeaders.KVM_SET_DEBUGREGS(), s, "KVM_SET_DEBUGREGS on vCPU " + id);
        }
    }

    /** Pending and in-flight exceptions, interrupts, NMIs and SMIs (KVM_GET_VCPU_EVENTS). */
    public VcpuEvents vcpuEvents() {
        return new VcpuEvents(StructBytes.get(fd, KvmHeaders.KVM_GET_VCPU_EVENTS(), VcpuEvents.SIZE,
                "KVM_GET_VCPU_EVENTS on vCPU " + id));
    }

    public void setVcpuEvents(VcpuEvents events) {
        StructBytes.set(fd, KvmHeaders.KVM_SET_VCPU_EVENTS(), events.struct(), "KVM_SET_VCPU_EVENTS on vCPU " + id);
    }

    /**
     * The vCPU's multiprocessing state (KVM_GET_MP_STATE): KVM_MP_STATE_RUNNABLE (0), UNINITIALIZED (1, an AP
     * waiting for INIT), INIT_RECEIVED (2), HALTED (3), SIPI_RECEIVED (4). Reading it lets the in-kernel local
     * APIC accept pending INIT and SIPI first.
     */
    public int mpState() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_mp_state.allocate(a);
            Ioctl.call(fd, KvmHeaders.KVM_GET_MP_STATE(), s, "KVM_GET_MP_STATE on vCPU " + id);
            return kvm_mp_state.mp_state(s);
        }
    }

    public void setMpState(int state) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_mp_state.allocate(a);
            kvm_mp_state.mp_state(s, state);
            Ioctl.call(fd, KvmHeaders.KVM_SET_MP_STATE(), s, "KVM_SET_MP_STATE on vCPU " + id);
        }
    }

    @Override
    public void close() {
        Libc.munmap(run);
        Libc.close(fd);
        arena.close();
    }
}
