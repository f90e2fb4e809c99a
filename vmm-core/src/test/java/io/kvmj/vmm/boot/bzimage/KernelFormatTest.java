package io.kvmj.vmm.boot.bzimage;

import io.kvmj.vmm.boot.BootException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelFormatTest {
    @TempDir
    Path dir;

    @Test
    void tellsElfFromBzImage() throws Exception {
        assertEquals(KernelFormat.BZIMAGE,
                KernelFormat.detect(Files.write(dir.resolve("vmlinuz"), new TestBzImage().build())));
        byte[] elf = new byte[64];
        elf[0] = 0x7f;
        elf[1] = 'E';
        elf[2] = 'L';
        elf[3] = 'F';
        assertEquals(KernelFormat.ELF, KernelFormat.detect(Files.write(dir.resolve("vmlinux"), elf)));
        assertEquals(KernelFormat.ELF, KernelFormat.detect("tiny", new byte[] {0x7f, 'E', 'L', 'F'}));
    }

    @Test
    void rejectsAnythingElse() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello ".repeat(200));
        assertEquals(text + ": not a kernel: neither an ELF vmlinux nor a bzImage",
                assertThrows(BootException.class, () -> KernelFormat.detect(text)).getMessage());
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertThrows(BootException.class, () -> KernelFormat.detect(empty));
        assertTrue(assertThrows(BootException.class, () -> KernelFormat.detect(dir.resolve("missing")))
                .getMessage().contains("cannot read kernel"));
    }
}
