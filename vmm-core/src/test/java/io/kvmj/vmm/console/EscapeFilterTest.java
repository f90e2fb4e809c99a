package io.kvmj.vmm.console;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EscapeFilterTest {
    private final EscapeFilter filter = new EscapeFilter();

    private byte[] feed(byte... in) {
        byte[] out = new byte[in.length + 1];
        return Arrays.copyOf(out, filter.filter(in, in.length, out));
    }

    @Test
    void plainBytesPassThrough() {
        assertArrayEquals(new byte[] {'l', 's', 3, '\r'}, feed((byte) 'l', (byte) 's', (byte) 3, (byte) '\r'));
        assertFalse(filter.quitRequested());
    }

    @Test
    void ctrlAxQuitsAndDropsTheRest() {
        assertArrayEquals(new byte[] {'a'}, feed((byte) 'a', (byte) 1, (byte) 'x', (byte) 'b'));
        assertTrue(filter.quitRequested());
    }

    @Test
    void ctrlActrlASendsOneCtrlA() {
        assertArrayEquals(new byte[] {1, 'z'}, feed((byte) 1, (byte) 1, (byte) 'z'));
    }

    @Test
    void escapeSplitAcrossReadsStillWorks() {
        assertArrayEquals(new byte[] {'q'}, feed((byte) 'q', (byte) 1));
        assertArrayEquals(new byte[] {1, 'y', 'y'}, feed((byte) 'y', (byte) 'y'), "unknown escape sends both");
        assertArrayEquals(new byte[0], feed((byte) 1));
        assertArrayEquals(new byte[0], feed((byte) 'X'));
        assertTrue(filter.quitRequested());
    }
}
