package io.kvmj.kvm;

import io.kvmj.kvm.gen.libc.LibcHeaders;
import io.kvmj.kvm.gen.linux.KvmHeaders;
import io.kvmj.sys.Libc;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The typed layer against the real /dev/kvm (skipped without it, failed without it under CI=true). Tagged "kvm":
 * scripts/test.sh runs it where a KVM is, in the nested machine on hosts without one.
 */
@Tag("kvm")
class KvmTest {
    @BeforeEach
    void requireKvm() {
        boolean usable = Files.isReadable(Path.of(Kvm.DEVICE)) && Files.isWritable(Path.of(Kvm.DEVICE));
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.assertTrue(usable, "/dev/kvm is required under CI");
        }
        Assumptions.assumeTrue(usable, "/dev/kvm not usable here");
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Test
    void reportsCapabilitiesAndSupportedCpuid() {
        try (Kvm kvm = Kvm.open()) {
            assertTrue(kvm.checkExtension(KvmHeaders.KVM_CAP_NR_MEMSLOTS()) > 0);
            assertTrue(kvm.vcpuMmapSize() >= 4096);
            List<CpuidEntry> cpuid = kvm.supportedCpuid();
            assertTrue(cpuid.stream().anyMatch(e -> e.function() == 0), "leaf 0");
            assertTrue(cpuid.stream().anyMatch(e -> e.function() == 1), "leaf 1");
        }
    }

    @Test
    void failedIoctlNamesTheRequestAndErrno() throws IOException {
        long before = openFds();
        try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm(); VcpuFd vcpu = vm.createVcpu(0)) {
            assertEquals(0, vcpu.id());
            KvmException e = assertThrows(KvmException.class, () -> vm.createVcpu(0));
            assertEquals("EEXIST", e.errnoName());
            assertTrue(e.getMessage().startsWith("KVM_CREATE_VCPU failed: EEXIST"), e.getMessage());
        }
        assertEquals(before, openFds(), "every fd closed");
    }

    /** KVM_RUN goes without errno capture: a kick must still be told from a failure. */
    @Test
    void immediateExitMakesRunReturnInterrupted() {
        try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm(); VcpuFd vcpu = vm.createVcpu(0)) {
            vcpu.setImmediateExit(true);
            assertEquals(VcpuExit.Interrupted.INSTANCE, vcpu.run());
        }
    }

    /** Any other KVM_RUN failure is asked again through the errno-capturing call and names the errno. */
    @Test
    void failedRunNamesTheErrno() {
        int notAVcpu = Libc.open("/dev/null", LibcHeaders.O_RDWR() | LibcHeaders.O_CLOEXEC(), 0);
        MemorySegment run = Libc.mmap(4096, LibcHeaders.PROT_READ() | LibcHeaders.PROT_WRITE(),
                LibcHeaders.MAP_PRIVATE() | LibcHeaders.MAP_ANONYMOUS(), -1, 0, "mmap");
        try (VcpuFd vcpu = new VcpuFd(7, notAVcpu, run, 0)) {
            KvmException e = assertThrows(KvmException.class, vcpu::run);
            assertEquals("ENOTTY", e.errnoName());
            assertTrue(e.getMessage().startsWith("KVM_RUN on vCPU 7"), e.getMessage());
        }
    }

    @Test
    void registersRoundTrip() {
        try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm(); VcpuFd vcpu = vm.createVcpu(0)) {
            Registers r = vcpu.registers();
            r.clear().rip(0x100000).rbx(0x6000).rflags(2);
            vcpu.setRegisters(r);
            Registers back = vcpu.registers();
            assertEquals(0x100000, back.rip());
            assertEquals(0x6000, back.rbx());
            SpecialRegisters s = vcpu.specialRegisters();
            Segment cs = new Segment(0, 0xffffffff, 8, 0xb, true, 0, true, true, false, true);
            s.segment(SpecialRegisters.Seg.CS, cs).cr0(0x11);
            vcpu.setSpecialRegisters(s);
            assertEquals(cs, vcpu.specialRegisters().segment(SpecialRegisters.Seg.CS));
        }
    }

    @Test
    void explainsWhyDevKvmCannotBeOpened() {
        assertTrue(Kvm.explainOpenFailure(2).contains("does not exist"));
        assertTrue(Kvm.explainOpenFailure(13).contains("no permission"));
        assertFalse(Kvm.explainOpenFailure(16).isEmpty());
    }

    /**
     * Every piece of vCPU and VM state a snapshot keeps reads back as it was set, on a fresh VM with the in-kernel
     * irqchip and PIT (which the VM-wide state needs).
     */
    @Test
    void snapshotStateRoundTrips() {
        try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm()) {
            vm.createIrqchip();
            vm.createPit2();
            try (VcpuFd vcpu = vm.createVcpu(0)) {
                vcpu.setCpuid(kvm.supportedCpuid());
                assertEquals(kvm.supportedCpuid().size(), vcpu.cpuid().size());

                List<Integer> indices = kvm.msrIndexList();
                assertTrue(indices.contains(0x10), "IA32_TSC is in KVM's MSR index list: " + indices);
                MsrEntry sysenterCs = new MsrEntry(0x174, 0x10);
                vcpu.setMsrs(List.of(sysenterCs));
                assertEquals(List.of(sysenterCs), vcpu.msrs(List.of(0x174)));

                Xsave xsave = vcpu.xsave();
                vcpu.setXsave(xsave);
                assertTrue(Arrays.equals(xsave.area(), vcpu.xsave().area()));

                List<Xcr> xcrs = vcpu.xcrs(); // none where the host CPU has no XSAVE (the nested test machine)
                vcpu.setXcrs(xcrs);
                assertEquals(xcrs, vcpu.xcrs());

                vcpu.setDebugRegisters(new DebugRegisters(new long[] {0x1000, 0x2000, 0, 0}, 0xffff0ff0L, 0x400, 0));
                assertEquals(0x2000, vcpu.debugRegisters().db()[1]);

                VcpuEvents events = vcpu.vcpuEvents();
                vcpu.setVcpuEvents(events);
                vcpu.setMpState(KvmHeaders.KVM_MP_STATE_HALTED());
                assertEquals(KvmHeaders.KVM_MP_STATE_HALTED(), vcpu.mpState());

                Fpu fpu = vcpu.fpu();
                vcpu.setFpu(fpu);
                assertTrue(Arrays.equals(fpu.struct(), vcpu.fpu().struct()));
            }
            for (int chip : new int[] {Irqchip.PIC_MASTER, Irqchip.PIC_SLAVE, Irqchip.IOAPIC}) {
                Irqchip state = vm.irqchip(chip);
                vm.setIrqchip(state);
                assertTrue(Arrays.equals(state.chip(), vm.irqchip(chip).chip()), "chip " + chip);
            }
            PitState pit = vm.pit2();
            vm.setPit2(pit);
            vm.setClock(new ClockData(5_000_000_000L, 0));
            long clock = vm.clock().clock();
            assertTrue(clock >= 5_000_000_000L && clock < 60_000_000_000L, "kvmclock after setting 5 s: " + clock);
        }
    }
}
