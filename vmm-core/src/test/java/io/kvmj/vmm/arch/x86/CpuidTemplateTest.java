package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.CpuidEntry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class CpuidTemplateTest {
    private static final List<CpuidEntry> HOST = List.of(
            new CpuidEntry(0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69),
            new CpuidEntry(1, 0, 0, 0x906ea, 0x07100800, 0x7ffafbff, 0xbfebfbff),
            new CpuidEntry(4, 0, 1, 0x1c004121, 0x01c0003f, 0x3f, 0),
            new CpuidEntry(0xb, 0, 1, 1, 2, 0x100, 7),
            new CpuidEntry(0xb, 1, 1, 4, 12, 0x201, 7),
            new CpuidEntry(0xb, 2, 1, 0, 0, 2, 7));

    private static CpuidEntry find(List<CpuidEntry> l, int function, int index) {
        return l.stream().filter(e -> e.function() == function && e.index() == index).findFirst().orElseThrow();
    }

    @Test
    void leafOneCarriesApicIdCountAndHypervisorBit() {
        List<CpuidEntry> v = CpuidTemplate.forVcpu(HOST, 3, 4);
        CpuidEntry l1 = find(v, 1, 0);
        assertEquals(3, l1.ebx() >>> 24, "initial APIC id");
        assertEquals(4, (l1.ebx() >>> 16) & 0xff, "logical processors");
        assertEquals(0x0800, l1.ebx() & 0xffff, "CLFLUSH size and brand kept");
        assertNotEquals(0, l1.ecx() & CpuidTemplate.ECX_HYPERVISOR);
        assertNotEquals(0, l1.edx() & CpuidTemplate.EDX_HTT);
        assertEquals(0, find(CpuidTemplate.forVcpu(HOST, 0, 1), 1, 0).edx() & CpuidTemplate.EDX_HTT);
    }

    @Test
    void topologyDescribesOneThreadPerCoreAndAllVcpusInOnePackage() {
        List<CpuidEntry> v = CpuidTemplate.forVcpu(HOST, 2, 3);
        assertEquals(new CpuidEntry(0xb, 0, 1, 0, 1, 0x100, 2), find(v, 0xb, 0));
        assertEquals(new CpuidEntry(0xb, 1, 1, 2, 3, 0x201, 2), find(v, 0xb, 1));
        assertEquals(new CpuidEntry(0xb, 2, 1, 0, 0, 2, 2), find(v, 0xb, 2));
        assertEquals(2, find(v, 4, 0).eax() >>> 26, "cores per package - 1");
        assertEquals(0x1c004121 & 0x03ffffff, find(v, 4, 0).eax() & 0x03ffffff);
    }

    @Test
    void addsTheKvmSignatureLeafWhenMissing() {
        CpuidEntry sig = find(CpuidTemplate.forVcpu(HOST, 0, 1), CpuidTemplate.LEAF_HYPERVISOR, 0);
        byte[] name = new byte[12];
        int[] regs = {sig.ebx(), sig.ecx(), sig.edx()};
        for (int i = 0; i < 12; i++) {
            name[i] = (byte) (regs[i / 4] >>> (8 * (i % 4)));
        }
        assertEquals("KVMKVMKVM\0\0\0", new String(name));
    }

    @Test
    void bitsForCounts() {
        assertEquals(0, CpuidTemplate.bitsFor(1));
        assertEquals(1, CpuidTemplate.bitsFor(2));
        assertEquals(2, CpuidTemplate.bitsFor(3));
        assertEquals(5, CpuidTemplate.bitsFor(32));
    }
}
