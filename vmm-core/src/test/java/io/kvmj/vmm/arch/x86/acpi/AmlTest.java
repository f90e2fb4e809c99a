package io.kvmj.vmm.arch.x86.acpi;

import org.junit.jupiter.api.Test;

import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Expected bytes are what iasl emits for the same ASL. */
class AmlTest {
    @Test
    void pkgLengthUsesOneToFourBytesAtItsBoundaries() {
        assertArrayEquals(hex("00"), Aml.pkgLength(0));
        assertArrayEquals(hex("3f"), Aml.pkgLength(63));
        assertArrayEquals(hex("40 04"), Aml.pkgLength(64));
        assertArrayEquals(hex("4f ff"), Aml.pkgLength(4095));
        assertArrayEquals(hex("80 00 01"), Aml.pkgLength(4096));
        assertArrayEquals(hex("8f ff ff"), Aml.pkgLength(0xfffff));
        assertArrayEquals(hex("c0 00 00 01"), Aml.pkgLength(0x100000));
        assertArrayEquals(hex("cf ff ff ff"), Aml.pkgLength(Aml.MAX_PKG_LENGTH));
        assertThrows(IllegalArgumentException.class, () -> Aml.pkgLength(Aml.MAX_PKG_LENGTH + 1));
        assertThrows(IllegalArgumentException.class, () -> Aml.pkgLength(-1));
    }

    @Test
    void pkgLengthCountsItsOwnBytes() {
        assertEquals(63, Aml.withPkgLength(new byte[62]).length, "62 + 1 = 63 fits one byte");
        assertArrayEquals(hex("3f"), java.util.Arrays.copyOf(Aml.withPkgLength(new byte[62]), 1));
        byte[] twoBytes = Aml.withPkgLength(new byte[63]); // 63 + 1 = 64 needs two bytes: 65
        assertArrayEquals(hex("41 04"), java.util.Arrays.copyOf(twoBytes, 2));
        assertEquals(65, twoBytes.length);
        byte[] lastTwo = Aml.withPkgLength(new byte[4093]); // 4093 + 2 = 4095
        assertArrayEquals(hex("4f ff"), java.util.Arrays.copyOf(lastTwo, 2));
        byte[] three = Aml.withPkgLength(new byte[4094]); // 4094 + 2 = 4096 needs three bytes: 4097
        assertArrayEquals(hex("81 00 01"), java.util.Arrays.copyOf(three, 3));
        assertEquals(4097, three.length);
    }

    @Test
    void eisaIdCompressesAsAslDoes() {
        assertEquals(0x0105D041, Aml.eisaIdValue("PNP0501"));
        assertEquals(0x060AD041, Aml.eisaIdValue("PNP0A06"));
        assertEquals(0x030AD041, Aml.eisaIdValue("PNP0A03"));
        assertArrayEquals(hex("0c 41 d0 05 01"), Aml.eisaId("PNP0501"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaIdValue("pnp0501"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaIdValue("PNP050"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaIdValue("PNP050G"));
    }

    @Test
    void nameOfHidWithEisaId() {
        // Name (_HID, EisaId ("PNP0501"))
        assertArrayEquals(hex("08 5f 48 49 44 0c 41 d0 05 01"), Aml.name("_HID", Aml.eisaId("PNP0501")));
        // Name (_HID, "LNRO0005")
        assertArrayEquals(hex("08 5f 48 49 44 0d 4c 4e 52 4f 30 30 30 35 00"),
                Aml.name("_HID", Aml.string("LNRO0005")));
    }

    @Test
    void integersUseTheShortestEncoding() {
        assertArrayEquals(hex("00"), Aml.integer(0));
        assertArrayEquals(hex("01"), Aml.integer(1));
        assertArrayEquals(hex("0a 02"), Aml.integer(2));
        assertArrayEquals(hex("0a ff"), Aml.integer(0xff));
        assertArrayEquals(hex("0b 00 01"), Aml.integer(0x100));
        assertArrayEquals(hex("0b ff ff"), Aml.integer(0xffff));
        assertArrayEquals(hex("0c 00 00 01 00"), Aml.integer(0x10000));
        assertArrayEquals(hex("0c 00 00 00 d0"), Aml.integer(0xd000_0000L));
        assertArrayEquals(hex("0e 00 00 00 00 01 00 00 00"), Aml.integer(0x1_0000_0000L));
        assertArrayEquals(hex("0e ff ff ff ff ff ff ff ff"), Aml.integer(-1));
    }

    @Test
    void namePaths() {
        assertArrayEquals(hex("5c 5f 53 42 5f"), Aml.nameString("\\_SB"));
        assertArrayEquals(hex("5c 2e 5f 53 42 5f 43 4f 4d 31"), Aml.nameString("\\_SB.COM1"));
        assertArrayEquals(hex("2f 03 41 5f 5f 5f 42 5f 5f 5f 43 5f 5f 5f"), Aml.nameString("A.B.C"));
        assertArrayEquals(hex("5e 5e 46 4f 4f 5f"), Aml.nameString("^^FOO"));
        assertArrayEquals(hex("5c 00"), Aml.nameString("\\"));
        assertArrayEquals(hex("56 30 30 41"), Aml.nameSeg("V00A"));
        for (String bad : new String[] {"1ABC", "abcd", "TOOLONG", "", "A-B", "\\_SB..X"}) {
            assertThrows(IllegalArgumentException.class, () -> Aml.nameString(bad), bad);
        }
    }

    @Test
    void namedObjectsAndPackages() {
        // Device (COM1) { Name (_UID, Zero) }
        assertArrayEquals(hex("5b 82 0b 43 4f 4d 31 08 5f 55 49 44 00"),
                Aml.device("COM1", Aml.name("_UID", Aml.integer(0))));
        // Scope (\_SB) { }
        assertArrayEquals(hex("10 06 5c 5f 53 42 5f"), Aml.scope("\\_SB"));
        // Method (_STA, 0, NotSerialized) { Return (0x0F) }
        assertArrayEquals(hex("14 09 5f 53 54 41 00 a4 0a 0f"),
                Aml.method("_STA", 0, false, Aml.returnValue(Aml.integer(0x0f))));
        assertArrayEquals(hex("14 06 41 42 43 44 0b"), Aml.method("ABCD", 3, true));
        // Name (_S5, Package (0x02) { 0x05, Zero })
        assertArrayEquals(hex("08 5f 53 35 5f 12 05 02 0a 05 00"),
                Aml.name("_S5", Aml.pkg(Aml.integer(5), Aml.integer(0))));
        // Buffer (0x03) { 0x01, 0x02, 0x03 }
        assertArrayEquals(hex("11 06 0a 03 01 02 03"), Aml.buffer(new byte[] {1, 2, 3}));
        assertThrows(IllegalArgumentException.class, () -> Aml.method("ABCD", 8, false));
        assertThrows(IllegalArgumentException.class, () -> Aml.string("tab\there"));
    }

    @Test
    void largeScopesGetMultiBytePkgLengths() {
        byte[][] devices = new byte[40][];
        for (int i = 0; i < devices.length; i++) {
            devices[i] = Aml.device(String.format("V%03X", i), Aml.name("_UID", Aml.integer(i)));
        }
        byte[] scope = Aml.scope("\\_SB", devices);
        assertEquals(Aml.SCOPE_OP, scope[0]);
        int lead = scope[1] & 0xff;
        assertEquals(1, lead >>> 6, "one following PkgLength byte");
        int length = (lead & 0x0f) | ((scope[2] & 0xff) << 4);
        assertEquals(scope.length - 1, length, "PkgLength covers everything after the opcode");
    }
}
