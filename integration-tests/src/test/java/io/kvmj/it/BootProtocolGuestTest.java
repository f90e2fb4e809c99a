package io.kvmj.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A test guest linked without the PVH note boots through Linux's 64-bit boot protocol: entered at e_entry in long
 * mode with __BOOT_CS/__BOOT_DS and interrupts off, %rsi pointing at a boot_params whose cmd_line_ptr, e820 table
 * and ramdisk fields describe what kvmj was given (the guest checks the header fields itself; this test compares
 * the command line, memory map and initrd bytes it prints). kvmj only: QEMU boots no ELF without a PVH note.
 */
@Tag("kvm")
class BootProtocolGuestTest {
    @TempDir
    Path dir;

    @Test
    void elfWithoutPvhNoteIsEnteredIn64BitModeWithAZeroPage() throws Exception {
        Environment.requireKvm();
        byte[] initrd = new byte[12345];
        for (int i = 0; i < initrd.length; i++) {
            initrd[i] = (byte) (i * 7 + (i >> 8));
        }
        Path initrdFile = Files.write(dir.resolve("initrd"), initrd);
        String cmdline = "expect_mib=128 initrd_size=" + initrd.length + " marker=" + "m".repeat(1900);

        GuestRun run = Kvmj.cli("run", "--kernel", Environment.guest("bootparams").toString(), "--initrd",
                initrdFile.toString(), "--cmdline", cmdline, "--mem", "128M", "--debug-exit", "--log-level", "info");

        assertTrue(run.passed(), run.toString());
        assertTrue(run.stderr().contains("booting through the 64-bit boot protocol (ELF without a PVH entry note"),
                "kvmj says which path it took: " + run);
        String serial = run.serial();
        assertTrue(serial.contains("bootparams: rsi=0x1000 cs=0x10 ds=0x18 ss=0x18"), run.toString());
        assertTrue(serial.contains("cmd_line_ptr=0x20000 cmdline_size=2047"), run.toString());
        assertTrue(serial.contains("cmdline: \"" + cmdline + "\""), "the whole command line, " + cmdline.length()
                + " bytes: " + run);
        assertTrue(serial.contains("e820: 0x0-0x9fbff type 1\ne820: 0x9fc00-0xfffff type 2\n"
                        + "e820: 0x100000-0x7ffffff type 1\n"),
                "RAM below the EBDA, the EBDA and legacy area reserved, RAM from 1 MiB to 128 MiB: " + run);
        assertTrue(serial.contains(String.format("size=%d fnv1a=0x%08x", initrd.length, fnv1a(initrd))),
                "the initrd's bytes, found through ramdisk_image/size: " + run);
    }

    /** The longest command line x86 Linux takes, 2047 bytes, reaches the guest whole. */
    @Test
    void exactly2047BytesFitAndTheGuestSeesThemAll() throws Exception {
        Environment.requireKvm();
        String cmdline = "expect_mib=64 pad=" + "p".repeat(2047 - "expect_mib=64 pad=".length());
        GuestRun run = Kvmj.cli("run", "--kernel", Environment.guest("bootparams").toString(), "--cmdline", cmdline,
                "--mem", "64M", "--debug-exit");
        assertTrue(run.passed(), run.toString());
        assertTrue(run.serial().contains("command line of 2047 bytes at 0x20000"), run.toString());
        assertEquals(GuestRun.debugExitStatus(0), run.status());
    }

    private static int fnv1a(byte[] bytes) {
        int h = 0x811c9dc5;
        for (byte b : bytes) {
            h = (h ^ (b & 0xff)) * 16777619;
        }
        return h;
    }
}
