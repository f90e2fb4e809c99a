package io.kvmj.vmm.devices.legacy;

import io.kvmj.vmm.VmExitReason;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ResetAndExitDevicesTest {
    private final List<VmExitReason> stops = new ArrayList<>();

    @Test
    void debugExitUsesQemuStatusEncoding() {
        DebugExit dev = new DebugExit(stops::add);
        dev.write(0, 1, 0);
        dev.write(0, 4, 0x10);
        dev.write(0, 1, 0x7f);
        dev.write(0, 4, 0x80); // (0x80 << 1) | 1 = 0x101, an 8-bit status of 1
        dev.write(2, 1, 5); // not the first port: ignored, as QEMU only acts on the base
        assertEquals(List.of(new VmExitReason.DebugExit(1), new VmExitReason.DebugExit(0x21),
                new VmExitReason.DebugExit(0xff), new VmExitReason.DebugExit(1)), stops);
    }

    @Test
    void resetControlResetsOnlyWithTheResetCpuBitAndReadsBackTheRest() {
        ResetControl dev = new ResetControl(stops::add);
        dev.write(0, 1, 0x02); // system-reset select alone: Linux writes it first, then adds the CPU bit
        assertEquals(List.of(), stops);
        assertEquals(0x02, dev.read(0, 1));
        dev.write(0, 1, ResetControl.HARD_RESET);
        assertEquals(List.of(new VmExitReason.Reset("port 0xcf9 reset")), stops);
        assertEquals(0x02, dev.read(0, 1), "the reset-CPU bit clears itself");
    }
}
