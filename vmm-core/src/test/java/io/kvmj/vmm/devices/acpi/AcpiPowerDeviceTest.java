package io.kvmj.vmm.devices.acpi;

import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.arch.x86.acpi.AcpiSpec;
import io.kvmj.vmm.arch.x86.acpi.AcpiTables;
import io.kvmj.vmm.arch.x86.acpi.PowerPorts;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AcpiPowerDeviceTest {
    private static final VmExitReason POWER_OFF = new VmExitReason.PowerOff("ACPI power off");
    private static final VmExitReason RESET = new VmExitReason.Reset("ACPI reset");

    private final List<VmExitReason> stops = new ArrayList<>();
    private final AcpiPowerDevice device = new AcpiPowerDevice(stops::add);

    @Test
    void s5WithSleepEnablePowersOff() {
        device.write(PowerPorts.SLEEP_CONTROL_OFFSET, 1, 0x34); // SLP_TYP 5 << 2 | SLP_EN
        assertEquals(List.of(POWER_OFF), stops);
    }

    @Test
    void reservedBitsAndWiderWritesStillPowerOff() {
        device.write(PowerPorts.SLEEP_CONTROL_OFFSET, 1, 0x34 | 0xc3); // reserved bits 0-1, 6-7 set
        device.write(PowerPorts.SLEEP_CONTROL_OFFSET, 4, 0xffff_ff34L); // low byte is the register
        assertEquals(List.of(POWER_OFF, POWER_OFF), stops);
    }

    @Test
    void resetValueOnTheResetRegisterResets() {
        device.write(PowerPorts.RESET_OFFSET, 1, PowerPorts.RESET_VALUE);
        assertEquals(List.of(RESET), stops);
    }

    @Test
    void garbageWritesDoNotStopTheVm() {
        device.write(PowerPorts.SLEEP_CONTROL_OFFSET, 1, 0x20); // SLP_EN with SLP_TYP 0
        device.write(PowerPorts.SLEEP_CONTROL_OFFSET, 1, 0x14); // SLP_TYP 5 without SLP_EN
        device.write(PowerPorts.SLEEP_CONTROL_OFFSET, 1, 0x2c); // S3's type 3 with SLP_EN
        device.write(PowerPorts.SLEEP_CONTROL_OFFSET, 1, 0x3c); // type 7
        device.write(PowerPorts.SLEEP_CONTROL_OFFSET, 2, 0x3400); // 0x34 in the second byte only
        device.write(PowerPorts.SLEEP_CONTROL_OFFSET, 1, 0x00);
        device.write(PowerPorts.SLEEP_STATUS_OFFSET, 1, 0x34); // the S5 command on the wrong register
        device.write(PowerPorts.SLEEP_STATUS_OFFSET, 1, 0x80); // WAK_STS clear, as Linux does first
        device.write(PowerPorts.RESET_OFFSET, 1, 0x06); // 0xcf9's value, not ours
        device.write(PowerPorts.RESET_OFFSET, 1, 0xff);
        device.write(PowerPorts.RESET_OFFSET, 1, 0x00);
        device.write(PowerPorts.RESET_OFFSET, 2, 0x0100); // the reset value in the wrong byte
        device.write(3, 1, PowerPorts.RESET_VALUE); // reserved port
        device.write(3, 1, 0x34);
        device.write(PowerPorts.SLEEP_CONTROL_OFFSET, 1, PowerPorts.RESET_VALUE); // reset value on sleep control
        device.write(7, 1, 0x34); // out of the window
        device.write(-1, 1, 0x34);
        assertEquals(List.of(), stops);
    }

    @Test
    void everyRegisterReadsZero() {
        device.write(PowerPorts.SLEEP_STATUS_OFFSET, 1, 0xff);
        for (int offset = 0; offset < PowerPorts.PORT_COUNT; offset++) {
            for (int size : new int[] {1, 2, 4}) {
                assertEquals(0, device.read(offset, size), "offset " + offset + " size " + size);
            }
        }
    }

    /** Linux's hardware-reduced S5 sequence, through the ports the FADT actually names. */
    @Test
    void linuxPowerOffAndRebootThroughTheFadtRegisters() {
        GuestMemory memory = new RegionGuestMemory(List.of(new GuestRegion(0, Arena.ofAuto().allocate(1 << 20))));
        long rsdp = AcpiTables.write(memory, AcpiTables.RSDP_ADDRESS, new AcpiSpec(1, List.of()));
        long xsdt = memory.readLong(rsdp + 24);
        long fadt = memory.readLong(xsdt + 36);
        assertEquals("FACP", new String(memory.read(fadt, 4), java.nio.charset.StandardCharsets.US_ASCII));
        int base = PowerPorts.DEFAULT_BASE;
        long sleepControl = memory.readLong(fadt + 244 + 4) - base;
        long sleepStatus = memory.readLong(fadt + 256 + 4) - base;
        long reset = memory.readLong(fadt + 116 + 4) - base;
        int resetValue = memory.readByte(fadt + 128) & 0xff;

        device.write(sleepStatus, 1, 0x80); // clear WAK_STS
        assertEquals(List.of(), stops);
        device.write(sleepControl, 1, (PowerPorts.S5_SLEEP_TYPE << 2) | 0x20);
        assertEquals(List.of(POWER_OFF), stops);
        assertEquals(0, device.read(sleepStatus, 1), "WAK_STS never set: Linux keeps waiting, the VM stops");
        device.write(reset, 1, resetValue);
        assertEquals(List.of(POWER_OFF, RESET), stops);
    }
}
