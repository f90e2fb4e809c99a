package io.kvmj.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {
    @Test
    void parsesEitherCaseAndWritesLowerCase() {
        MacAddress mac = MacAddress.parse("06:00:AC:10:00:0f");
        assertArrayEquals(new byte[] {6, 0, (byte) 0xac, 0x10, 0, 0x0f}, mac.octets());
        assertEquals("06:00:ac:10:00:0f", mac.toString());
        assertEquals(mac, MacAddress.parse("06:00:ac:10:00:0F"));
        assertEquals(mac.hashCode(), MacAddress.parse("06:00:ac:10:00:0F").hashCode());
        assertNotEquals(mac, MacAddress.parse("06:00:ac:10:00:10"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "06:00:ac:10:00", "06:00:ac:10:00:02:03", "06-00-ac-10-00-02", "6:0:ac:10:0:2",
            "06:00:ac:10:00:0g", "06:00:ac:10:00:+2", " 06:00:ac:10:00:02", "06:00:ac:10:00:02:", "060:0ac:10:00:02"})
    void refusesAnythingButSixHexPairs(String text) {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
    }

    @Test
    void octetsAreACopy() {
        MacAddress mac = MacAddress.parse("06:00:00:00:00:01");
        mac.octets()[0] = 1;
        assertEquals("06:00:00:00:00:01", mac.toString());
    }

    @Test
    void multicastIsTheLowBitOfTheFirstOctet() {
        assertTrue(MacAddress.parse("01:00:5e:00:00:01").isMulticast());
        assertTrue(MacAddress.parse("ff:ff:ff:ff:ff:ff").isMulticast());
        assertFalse(MacAddress.parse("02:00:00:00:00:01").isMulticast());
        assertFalse(MacAddress.parse("aa:fc:00:00:00:01").isMulticast());
    }

    @Test
    void zero() {
        assertTrue(MacAddress.parse("00:00:00:00:00:00").isZero());
        assertFalse(MacAddress.parse("00:00:00:00:00:01").isZero());
    }
}
