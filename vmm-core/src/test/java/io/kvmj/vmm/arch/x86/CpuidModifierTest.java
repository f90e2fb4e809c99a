package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.CpuidEntry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CpuidModifierTest {
    @Test
    void bitmapSetsClearsAndKeepsBits() {
        CpuidModifier m = CpuidModifier.fromBitmap(1, 0, CpuidModifier.Register.ECX,
                "0b1" + "x".repeat(30) + "0");
        assertEquals(0x80000001, m.mask());
        assertEquals(0x80000000, m.value());
        CpuidEntry e = new CpuidEntry(1, 0, 0, 0, 0, 0x00000003, 0);
        assertEquals(0x80000002, m.applyTo(e).ecx());
    }

    @Test
    void malformedBitmapsAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> CpuidModifier.fromBitmap(1, 0, CpuidModifier.Register.EAX, "0b101"));
        assertThrows(IllegalArgumentException.class,
                () -> CpuidModifier.fromBitmap(1, 0, CpuidModifier.Register.EAX, "0b" + "2".repeat(32)));
    }

    @Test
    void subleafMattersOnlyForIndexedLeaves() {
        CpuidModifier m = CpuidModifier.clear(7, 1, CpuidModifier.Register.EBX, 1);
        CpuidEntry indexed0 = new CpuidEntry(7, 0, CpuidEntry.FLAG_SIGNIFICANT_INDEX, 0, 1, 0, 0);
        CpuidEntry indexed1 = new CpuidEntry(7, 1, CpuidEntry.FLAG_SIGNIFICANT_INDEX, 0, 1, 0, 0);
        List<CpuidEntry> out = CpuidTemplate.forVcpu(List.of(indexed0, indexed1), CpuTopology.of(1, false), 0,
                List.of(m));
        assertEquals(1, out.get(0).ebx());
        assertEquals(0, out.get(1).ebx());
    }

    @Test
    void msrBitmapsForce64Bits() {
        MsrModifier m = MsrModifier.fromBitmap(0x10a, "0b1" + "x".repeat(62) + "0");
        assertEquals(0x8000_0000_0000_0000L, m.applyTo(1));
        assertEquals(-2L, m.applyTo(-1));
        assertThrows(IllegalArgumentException.class, () -> MsrModifier.fromBitmap(0x10a, "0b" + "x".repeat(32)));
    }

    @Test
    void pvmHostsHideCx16AndXsave() {
        CpuidEntry leaf1 = new CpuidEntry(1, 0, 0, 0, 0, -1, 0);
        int ecx = CpuidTemplate.forVcpu(List.of(leaf1), CpuTopology.of(1, false), 0, HostCpuQuirks.pvm())
                .getFirst().ecx();
        assertEquals(0, ecx & HostCpuQuirks.LEAF1_ECX_CX16);
        assertEquals(0, ecx & HostCpuQuirks.LEAF1_ECX_XSAVE);
        assertEquals(0, ecx & HostCpuQuirks.LEAF1_ECX_AVX);
        assertEquals(1, ecx & 1, "SSE3 untouched");
    }
}
