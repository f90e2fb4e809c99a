package io.kvmj.vmm.snapshot;

import io.kvmj.vmm.bus.BusDevice;
import io.kvmj.vmm.devices.DeviceManager.Attached;
import io.kvmj.vmm.devices.legacy.DebugExit;
import io.kvmj.vmm.devices.legacy.ResetControl;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DeviceStatesTest {
    private static final BusDevice PLAIN = new BusDevice() {
        @Override
        public long read(long offset, int size) {
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) {
        }
    };

    private static Attached reset(ResetControl r) {
        return new Attached("pio:0xcf9", "the reset control register (ports 0xcf9-0xcf9)", r);
    }

    private static Attached debugExit() {
        return new Attached("pio:0xf4", "debug-exit (ports 0xf4-0xf7)", new DebugExit(r -> { }));
    }

    @Test
    void statesGoBackIntoTheDevicesAtTheSamePlace() throws Exception {
        ResetControl saved = new ResetControl(r -> { });
        saved.write(0, 1, 0x02);
        List<DeviceState> states = DeviceStates.save(List.of(reset(saved), debugExit()));
        assertEquals(List.of("pio:0xcf9", "pio:0xf4"), states.stream().map(DeviceState::id).toList());

        ResetControl restored = new ResetControl(r -> { });
        // Listed in another order: found by id, not by position.
        DeviceStates.restore(List.of(debugExit(), reset(restored)), states);
        assertEquals(0x02, restored.read(0, 1));
    }

    @Test
    void aDeviceWithoutSnapshotsIsNamedInTheRefusal() {
        SnapshotException e = assertThrows(SnapshotException.class, () -> DeviceStates.save(List.of(debugExit(),
                new Attached("mmio:0xd0000000", "drive rootfs (MMIO 0xd0000000)", PLAIN))));
        assertEquals("cannot snapshot this VM: drive rootfs (MMIO 0xd0000000) does not support snapshots",
                e.getMessage());
    }

    @Test
    void aDeviceWithoutASavedStateIsRefused() throws Exception {
        List<DeviceState> states = DeviceStates.save(List.of(debugExit()));
        SnapshotException e = assertThrows(SnapshotException.class, () -> DeviceStates.restore(
                List.of(debugExit(), reset(new ResetControl(r -> { }))), states));
        assertEquals("the snapshot holds no state for the reset control register (ports 0xcf9-0xcf9)",
                e.getMessage());
    }

    @Test
    void aSavedStateWithoutItsDeviceIsRefused() throws Exception {
        List<DeviceState> states = DeviceStates.save(List.of(debugExit(), reset(new ResetControl(r -> { }))));
        SnapshotException e = assertThrows(SnapshotException.class, () -> DeviceStates.restore(
                List.of(debugExit()), states));
        assertEquals("the snapshot holds the state of the reset control register (ports 0xcf9-0xcf9) at "
                + "pio:0xcf9, which the restored machine does not have", e.getMessage());
    }

    @Test
    void aStateOfAnotherShapeIsRefusedNamingTheDevice() throws Exception {
        // The debug-exit device's empty state given to the reset control register: its "value" is missing.
        DeviceState wrong = new DeviceState("pio:0xcf9", "x", DeviceStates.save(List.of(debugExit())).get(0).state());
        SnapshotException e = assertThrows(SnapshotException.class, () -> DeviceStates.restore(
                List.of(reset(new ResetControl(r -> { }))), List.of(wrong)));
        assertEquals(true, e.getMessage().startsWith(
                "the saved state of the reset control register (ports 0xcf9-0xcf9) does not fit it: "), e.getMessage());
        // A value the register cannot hold: the device's own check.
        DeviceState bad = new DeviceState("pio:0xcf9", "x", SnapshotJson.MAPPER.valueToTree(new ResetControl.State(4)));
        assertThrows(SnapshotException.class, () -> DeviceStates.restore(
                List.of(reset(new ResetControl(r -> { }))), List.of(bad)));
    }
}
