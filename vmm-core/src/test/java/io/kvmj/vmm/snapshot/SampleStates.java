package io.kvmj.vmm.snapshot;

import io.kvmj.kvm.ClockData;
import io.kvmj.kvm.CpuidEntry;
import io.kvmj.kvm.DebugRegisters;
import io.kvmj.kvm.Irqchip;
import io.kvmj.kvm.MsrEntry;
import io.kvmj.kvm.PitState;
import io.kvmj.kvm.VcpuEvents;
import io.kvmj.kvm.Xcr;
import io.kvmj.kvm.Xsave;
import io.kvmj.vmm.devices.MachineLayout;
import io.kvmj.vmm.devices.legacy.ResetControl;

import java.util.List;

/** State records with recognisable contents, as a snapshot of a 2-vCPU machine would hold them. */
final class SampleStates {
    private SampleStates() {
    }

    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    static VcpuState vcpu(int id) {
        return new VcpuState(id, List.of(new CpuidEntry(0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69)),
                List.of(new MsrEntry(0x10, 123456789L), new MsrEntry(0xc0000080, 0x500)),
                pattern(144, id), pattern(312, id + 1), new Xsave(pattern(4096, id + 2)), List.of(new Xcr(0, 7)),
                new DebugRegisters(new long[] {1, 2, 3, 4}, 0xffff0ff0L, 0x400, 0), pattern(1024, id + 3), 0,
                new VcpuEvents(pattern(64, id + 4)));
    }

    static SnapshotState state() {
        VmState vm = new VmState(new Irqchip(Irqchip.PIC_MASTER, pattern(512, 1)),
                new Irqchip(Irqchip.PIC_SLAVE, pattern(512, 2)), new Irqchip(Irqchip.IOAPIC, pattern(512, 3)),
                new PitState(pattern((int) PitState.SIZE, 4)), new ClockData(5_000_000_000L, 2));
        MachineDescription machine = new MachineDescription(64 << 20, 2, false, 0xf4, true, false,
                List.of(new MachineLayout.MmioRequest("drive rootfs", 0x1000)));
        return new SnapshotState(machine, vm, List.of(vcpu(0), vcpu(1)),
                List.of(new DeviceState("pio:0xcf9", "the reset control register",
                        SnapshotJson.MAPPER.valueToTree(new ResetControl.State(2)))));
    }
}
