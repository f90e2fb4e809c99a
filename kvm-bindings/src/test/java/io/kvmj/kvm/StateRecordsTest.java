package io.kvmj.kvm;

import io.kvmj.kvm.gen.linux.KvmHeaders;
import io.kvmj.kvm.gen.libc.LibcHeaders;
import io.kvmj.sys.Libc;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The snapshot state records and ioctl numbers, checked without KVM. */
class StateRecordsTest {
    @Test
    void computedIoctlNumbersMatchTheKernelsMacro() {
        // The generated KVM_GET_XSAVE is _IOR(KVMIO, 0xa4, struct kvm_xsave): the same formula must give it.
        assertEquals(KvmHeaders.KVM_GET_XSAVE(), KvmUapi.ior(0xa4, Xsave.LEGACY_SIZE));
        assertEquals(0x9000aecfL, KvmUapi.KVM_GET_XSAVE2);
    }

    @Test
    void structSizesAreTheX8664Abi() {
        assertEquals(416, Fpu.SIZE);
        assertEquals(64, VcpuEvents.SIZE);
        assertEquals(112, PitState.SIZE);
    }

    @Test
    void recordsRefuseStructsOfTheWrongSize() {
        assertThrows(IllegalArgumentException.class, () -> new VcpuEvents(new byte[63]));
        assertThrows(IllegalArgumentException.class, () -> new Fpu(null));
        assertThrows(IllegalArgumentException.class, () -> new Xsave(new byte[4095]));
        assertThrows(IllegalArgumentException.class, () -> new Xsave(new byte[4098]));
        assertThrows(IllegalArgumentException.class, () -> new Irqchip(Irqchip.IOAPIC, new byte[511]));
        assertThrows(IllegalArgumentException.class, () -> new Irqchip(7, new byte[512]));
        assertThrows(IllegalArgumentException.class, () -> new DebugRegisters(new long[3], 0, 0, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PitState(new byte[4]));
        assertEquals("kvm_pit_state2 must be 112 bytes, not 4", e.getMessage());
        assertEquals(8192, new Xsave(new byte[8192]).area().length);
    }

    @Test
    void registerStructsRoundTripThroughBytes() {
        try (Arena arena = Arena.ofConfined()) {
            Registers r = Registers.allocate(arena).clear().rip(0x1234).rsp(0x8000);
            Registers copy = Registers.allocate(arena).load(r.toBytes());
            assertEquals(0x1234, copy.rip());
            assertEquals(0x8000, copy.rsp());
            SpecialRegisters s = SpecialRegisters.allocate(arena).cr3(0x9000).efer(0x500);
            assertEquals(0x9000, SpecialRegisters.allocate(arena).load(s.toBytes()).cr3());
            assertThrows(IllegalArgumentException.class, () -> Registers.allocate(arena).load(new byte[3]));
        }
    }

    /** Each new ioctl on an fd that is no vCPU fails with the errno and the ioctl's name, never a crash. */
    @Test
    void failuresNameTheIoctlAndErrno() {
        int notAVcpu = Libc.open("/dev/null", LibcHeaders.O_RDWR() | LibcHeaders.O_CLOEXEC(), 0);
        MemorySegment run = Libc.mmap(4096, LibcHeaders.PROT_READ() | LibcHeaders.PROT_WRITE(),
                LibcHeaders.MAP_PRIVATE() | LibcHeaders.MAP_ANONYMOUS(), -1, 0, "mmap");
        try (VcpuFd vcpu = new VcpuFd(3, notAVcpu, run, 0)) {
            KvmException e = assertThrows(KvmException.class, vcpu::xsave);
            assertEquals("ENOTTY", e.errnoName());
            assertTrue(e.getMessage().startsWith("KVM_GET_XSAVE on vCPU 3"), e.getMessage());
            assertThrows(KvmException.class, vcpu::vcpuEvents);
            assertThrows(KvmException.class, vcpu::mpState);
            assertThrows(KvmException.class, vcpu::xcrs);
            assertThrows(KvmException.class, vcpu::cpuid);
            assertThrows(KvmException.class, () -> vcpu.msrs(List.of(0x10)));
            assertThrows(IllegalArgumentException.class, () -> vcpu.setXsave(new Xsave(new byte[8192])));
        }
    }
}
