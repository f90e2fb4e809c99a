package io.kvmj.vmm.boot.bzimage;

import io.kvmj.vmm.boot.BootException;
import io.kvmj.vmm.boot.BootPath;
import io.kvmj.vmm.boot.KernelImage;
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

    /** A bzImage takes the shorter of its own cmdline_size and x86 Linux's 2047 bytes; checked before KVM. */
    @Test
    void aBzImagesCommandLineLimitIsItsCmdlineSizeOrLinuxs() throws Exception {
        TestBzImage t = new TestBzImage();
        KernelImage stock = KernelImage.inspect(Files.write(dir.resolve("vmlinuz"), t.build()));
        assertEquals(BootPath.LINUX64_BZIMAGE, stock.bootPath());
        stock.checkCmdline("x".repeat(2047));
        assertEquals("kernel command line too long: 3000 bytes, the kernel takes at most 2047 (x86 COMMAND_LINE_SIZE)",
                assertThrows(BootException.class, () -> stock.checkCmdline("x".repeat(3000))).getMessage());

        t.cmdlineSize = 10;
        Path small = Files.write(dir.resolve("small"), t.build());
        KernelImage k = KernelImage.inspect(small);
        k.checkCmdline("0123456789");
        assertEquals("kernel command line too long: 11 bytes, the kernel takes at most 10 (" + small
                        + ": its cmdline_size)",
                assertThrows(BootException.class, () -> k.checkCmdline("0123456789a")).getMessage());
        t.cmdlineSize = 0x10000;
        assertEquals(2047, KernelImage.inspect(Files.write(dir.resolve("big"), t.build())).maxCmdlineLength(),
                "Linux's own buffer still limits");
    }

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
