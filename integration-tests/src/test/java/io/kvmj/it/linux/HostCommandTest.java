package io.kvmj.it.linux;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostCommandTest {
    @Test
    void statusAndBothStreamsComeBackAndStdinIsEmpty() throws Exception {
        HostCommand r = HostCommand.run(List.of("sh", "-c", "cat; echo out; echo err >&2; exit 3"));

        assertEquals(3, r.status());
        assertEquals("out\n", r.text());
        assertEquals("err\n", r.stderr());
    }

    @Test
    void checkFailsWithTheToolsErrorOnANonZeroStatus() {
        IOException e = assertThrows(IOException.class,
                () -> HostCommand.check(List.of("sh", "-c", "echo 'no such image' >&2; exit 1")));

        assertTrue(e.getMessage().contains("no such image"), e.getMessage());
    }
}
