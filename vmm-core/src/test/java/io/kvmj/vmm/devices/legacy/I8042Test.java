package io.kvmj.vmm.devices.legacy;

import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.snapshot.SnapshotException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The i8042 as Linux's i8042 and atkbd drivers drive it, and Ctrl+Alt+Del typed from the host. */
class I8042Test {
    private static final int DATA = 0;
    private static final int COMMAND = 4;

    private final List<VmExitReason> stops = new ArrayList<>();
    private int interrupts;
    private final I8042 dev = new I8042(stops::add, () -> interrupts++);

    @Test
    void resetsOnlyOnCommandFe() {
        dev.write(COMMAND, 1, 0xd1);
        dev.write(DATA, 1, 0xfe); // the output port's value, not a command
        assertEquals(List.of(), stops);
        dev.write(COMMAND, 1, 0xfe);
        assertEquals(List.of(new VmExitReason.Reset("i8042 reset")), stops);
    }

    @Test
    void theConfigurationByteAndOutputPortAreReadAndWrittenThroughCommands() {
        assertEquals(0x10, dev.read(COMMAND, 1), "status: keyboard unlocked, nothing to read");
        dev.write(COMMAND, 1, 0x20);
        assertEquals(0x11, dev.read(COMMAND, 1), "the answer waits");
        assertEquals(0x05, dev.read(DATA, 1), "keyboard interrupt on, self-test passed, no translation");
        assertEquals(0x10, dev.read(COMMAND, 1));
        dev.write(COMMAND, 1, 0x60);
        assertEquals(0x18, dev.read(COMMAND, 1), "a parameter is expected");
        dev.write(DATA, 1, 0x44);
        dev.write(COMMAND, 1, 0x20);
        assertEquals(0x44, dev.read(DATA, 1));
        dev.write(COMMAND, 1, 0xd1);
        dev.write(DATA, 1, 0x03);
        dev.write(COMMAND, 1, 0xd0);
        assertEquals(0x03, dev.read(DATA, 1));
        assertEquals(0, interrupts, "controller answers raise no keyboard interrupt");
        assertEquals(0, dev.read(DATA, 1), "an empty buffer reads 0");
    }

    @Test
    void theKeyboardAcknowledgesEveryCommandWithAnInterrupt() {
        dev.write(DATA, 1, 0xed); // set LEDs
        assertEquals(1, interrupts);
        assertEquals(0xfa, dev.read(DATA, 1));
        dev.write(DATA, 1, 0x02);
        assertEquals(0xfa, dev.read(DATA, 1));
        assertEquals(2, interrupts);
    }

    @Test
    void ctrlAltDelIsThreeKeysInScanCodeSetTwoOneInterruptPerByte() {
        dev.sendCtrlAltDel();
        assertEquals(1, interrupts);
        List<Long> bytes = new ArrayList<>();
        while ((dev.read(COMMAND, 1) & 1) != 0) {
            bytes.add(dev.read(DATA, 1));
        }
        assertEquals(List.of(0x14L, 0x11L, 0xe0L, 0x71L), bytes);
        assertEquals(4, interrupts, "one more after each read that leaves bytes waiting");
    }

    @Test
    void withTheKeyboardInterruptOffTheKeysWaitSilently() {
        dev.write(COMMAND, 1, 0x60);
        dev.write(DATA, 1, 0x04);
        dev.sendCtrlAltDel();
        assertEquals(0x14, dev.read(DATA, 1));
        assertEquals(0, interrupts);
    }

    @Test
    void aFullBufferRefusesMoreKeysAndKeepsWhatItHas() {
        for (int i = 0; i < 4; i++) {
            dev.sendCtrlAltDel();
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, dev::sendCtrlAltDel);
        assertEquals("the i8042's buffer is full: the guest has not read its last keys", e.getMessage());
        assertEquals(0x14, dev.read(DATA, 1));
    }

    @Test
    void aRestoredControllerHasTheSavedConfigurationAndUnreadKeys() throws Exception {
        dev.write(COMMAND, 1, 0x60);
        dev.write(DATA, 1, 0x45);
        dev.sendCtrlAltDel();
        assertEquals(0x14, dev.read(DATA, 1));
        dev.write(COMMAND, 1, 0xd1); // a parameter still to come
        I8042 restored = new I8042(stops::add, () -> { });
        restored.restoreState(dev.saveState());
        restored.write(DATA, 1, 0x03); // the output port, as the saved controller expected
        restored.write(COMMAND, 1, 0xd0);
        assertEquals(0x03, restored.read(DATA, 1));
        restored.restoreState(dev.saveState());
        assertEquals(0x19, restored.read(COMMAND, 1), "unread bytes and a pending parameter");
        restored.write(DATA, 1, 0x00);
        assertEquals(List.of(0x11, 0xe0, 0x71), List.of((int) restored.read(DATA, 1), (int) restored.read(DATA, 1),
                (int) restored.read(DATA, 1)));
        restored.write(COMMAND, 1, 0x20);
        assertEquals(0x45, restored.read(DATA, 1));
    }

    @Test
    void aStateThatDoesNotFitIsRefused() {
        assertThrows(SnapshotException.class, () -> dev.restoreState(new I8042.State(0x100, 0, 0, new byte[0])));
        assertThrows(SnapshotException.class, () -> dev.restoreState(new I8042.State(0, 0, 0x42, new byte[0])));
        assertThrows(SnapshotException.class, () -> dev.restoreState(new I8042.State(0, 0, 0, new byte[17])));
        assertThrows(SnapshotException.class, () -> dev.restoreState(new I8042.State(0, 0, 0, null)));
    }
}
