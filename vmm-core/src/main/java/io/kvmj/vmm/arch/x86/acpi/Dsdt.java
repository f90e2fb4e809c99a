package io.kvmj.vmm.arch.x86.acpi;

import java.util.ArrayList;
import java.util.List;

/**
 * The Differentiated System Description Table: the AML namespace a guest enumerates devices from.
 * <pre>
 * Scope (\_SB) {
 *     Device (COM1) { _HID EisaId("PNP0501"), _UID 0, _CRS { IO 0x3f8/8, Interrupt(Edge, ActiveHigh) {4} } }
 *     Device (V000) { _HID "LNRO0005", _UID 0, _CRS { Memory32Fixed(base, size), Interrupt(Edge, ActiveHigh) {gsi} } }
 *     ...
 * }
 * Name (_S5, Package () { 5, 0 })
 * </pre>
 * COM1's IRQ uses the extended Interrupt descriptor like the virtio devices: on an IOAPIC, ISA IRQ 4 is GSI 4
 * (no override), edge-triggered and active-high, which is what that descriptor states without relying on ISA
 * defaults. "LNRO0005" is the ACPI id Linux's virtio_mmio driver matches.
 */
final class Dsdt {
    static final String SIGNATURE = "DSDT";
    /** Revision 2: integers are 64 bits. */
    static final int REVISION = 2;
    static final int COM1_PORT = 0x3f8;
    static final int COM1_PORT_COUNT = 8;
    static final int COM1_IRQ = 4;
    static final String VIRTIO_MMIO_HID = "LNRO0005";

    private Dsdt() {
    }

    static byte[] build(AcpiSpec spec) {
        return Sdt.table(SIGNATURE, REVISION, aml(spec));
    }

    /** The DSDT's AML body (what follows the header). */
    static byte[] aml(AcpiSpec spec) {
        List<byte[]> devices = new ArrayList<>();
        devices.add(com1());
        for (int i = 0; i < spec.virtioDevices().size(); i++) {
            devices.add(virtioMmio(i, spec.virtioDevices().get(i)));
        }
        return Aml.concat(
                Aml.scope("\\_SB", devices.toArray(byte[][]::new)),
                Aml.name("_S5", Aml.pkg(Aml.integer(PowerPorts.S5_SLEEP_TYPE), Aml.integer(0))));
    }

    static byte[] com1() {
        return Aml.device("COM1",
                Aml.name("_HID", Aml.eisaId("PNP0501")),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_CRS", new ResourceTemplate()
                        .io(COM1_PORT, COM1_PORT, 1, COM1_PORT_COUNT)
                        .interrupt(true, false, false, COM1_IRQ)
                        .toAml()));
    }

    static String virtioDeviceName(int index) {
        return String.format("V%03X", index);
    }

    static byte[] virtioMmio(int index, AcpiSpec.MmioDevice device) {
        return Aml.device(virtioDeviceName(index),
                Aml.name("_HID", Aml.string(VIRTIO_MMIO_HID)),
                Aml.name("_UID", Aml.integer(index)),
                Aml.name("_CRS", new ResourceTemplate()
                        .memory32Fixed(true, device.base(), device.size())
                        .interrupt(true, false, false, device.gsi())
                        .toAml()));
    }
}
