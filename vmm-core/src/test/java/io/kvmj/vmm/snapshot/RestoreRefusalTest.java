package io.kvmj.vmm.snapshot;

import io.kvmj.vmm.VmBuilder;
import io.kvmj.vmm.devices.DeviceManager;
import io.kvmj.vmm.devices.DeviceSetup;
import io.kvmj.vmm.devices.MachineLayout;
import io.kvmj.vmm.memory.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@link VmBuilder#restore} refuses before it opens KVM (so on any host), each in one line. */
class RestoreRefusalTest {
    @TempDir
    Path dir;

    private static DeviceSetup device(String name, long size) {
        return new DeviceSetup() {
            @Override
            public MachineLayout.MmioRequest mmioRequest() {
                return new MachineLayout.MmioRequest(name, size);
            }

            @Override
            public void check() {
            }

            @Override
            public void attach(DeviceManager devices, DeviceManager.MmioSlot slot, GuestMemory memory) {
                throw new AssertionError("a refused restore attaches nothing");
            }
        };
    }

    private String refusal(SnapshotState state, List<DeviceSetup> devices, Path memory) throws Exception {
        Path file = dir.resolve("vm.state");
        SnapshotFile.write(file, state);
        SnapshotException e = assertThrows(SnapshotException.class,
                () -> VmBuilder.restore(file, memory, new VmBuilder.RestoreHost(null, null, devices)));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void otherDevicesThanTheSavedOnesAreRefused() throws Exception {
        String m = refusal(SampleStates.state(), List.of(), dir.resolve("vm.mem"));
        assertEquals("the snapshot's devices are [MmioRequest[device=drive rootfs, size=4096]], the configuration "
                + "gives []", m);
        assertTrue(refusal(SampleStates.state(), List.of(device("drive data", 0x1000)), dir.resolve("vm.mem"))
                .startsWith("the snapshot's devices are"));
    }

    @Test
    void aMissingOrShortMemoryFileIsRefused() throws Exception {
        List<DeviceSetup> same = List.of(device("drive rootfs", 0x1000));
        Path missing = dir.resolve("missing.mem");
        assertTrue(refusal(SampleStates.state(), same, missing).startsWith("cannot read memory file " + missing));
        Path small = dir.resolve("small.mem");
        Files.write(small, new byte[8192]);
        assertEquals("memory file " + small + " is 8192 bytes, the snapshot's guest RAM 67108864 bytes",
                refusal(SampleStates.state(), same, small));
    }

    @Test
    void vcpuStatesThatDoNotMatchTheMachineAreRefused() throws Exception {
        SnapshotState s = SampleStates.state();
        SnapshotState oneMissing = new SnapshotState(s.machine(), s.vm(), List.of(s.vcpus().get(0)), s.devices());
        List<DeviceSetup> same = List.of(device("drive rootfs", 0x1000));
        assertTrue(refusal(oneMissing, same, dir.resolve("vm.mem")).endsWith("1 vCPU states for 2 vCPUs"));
        SnapshotState swapped = new SnapshotState(s.machine(), s.vm(), List.of(s.vcpus().get(1), s.vcpus().get(0)),
                s.devices());
        assertTrue(refusal(swapped, same, dir.resolve("vm.mem")).endsWith("vCPU state 0 is for vCPU 1"));
    }

    @Test
    void aDamagedStateFileIsRefusedBeforeAnythingElse() throws Exception {
        Path file = dir.resolve("vm.state");
        Files.write(file, new byte[] {1, 2, 3});
        SnapshotException e = assertThrows(SnapshotException.class, () -> VmBuilder.restore(file,
                dir.resolve("vm.mem"), new VmBuilder.RestoreHost(null, null, List.of())));
        assertTrue(e.getMessage().contains("truncated state file: 3 bytes"), e.getMessage());
    }
}
