package io.kvmj.vmm.boot.bzimage;

import io.kvmj.vmm.arch.x86.E820Map;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Debian's stock cloud kernel (linux-image-6.1.0-56-cloud-amd64), when unpacked at /work/kernel (or -Dkvmj.test.bzimage). */
class DebianKernelTest {
    private static final Path KERNEL = Path.of(System.getProperty("kvmj.test.bzimage",
            "/work/kernel/x/boot/vmlinuz-6.1.0-56-cloud-amd64"));

    private static byte[] kernel() throws Exception {
        assumeTrue(Files.isReadable(KERNEL), KERNEL + " is absent: unpack linux-image-6.1.0-56-cloud-amd64 "
                + "(apt-get download + dpkg-deb -x) there to run this test");
        return Files.readAllBytes(KERNEL);
    }

    @Test
    void parsesTheRealSetupHeader() throws Exception {
        BzImage image = BzImage.parse(KERNEL.toString(), kernel());
        assertEquals(0x020f, image.version(), "boot protocol 2.15");
        assertEquals(39, image.setupSects());
        assertEquals(0x5000, image.kernelOffset());
        assertEquals(0xd82200, image.kernelSize(), "syssize 0xd8220; the file carries a signature after it");
        assertEquals(BzImage.LOADED_HIGH, image.loadFlags());
        assertTrue(image.relocatable());
        assertEquals(0x200000, image.kernelAlignment());
        assertEquals(0x7f, image.xloadFlags(), "XLF_KERNEL_64 and the other six flags");
        assertEquals(2047, image.cmdlineSize());
        assertEquals(0x7fffffff, image.initrdAddrMax());
        assertEquals(0x1000000, image.prefAddress());
        assertEquals(0x3378000, image.initSize());
        assertEquals(0x2cc, image.payloadOffset());
        assertEquals(0x26c - 0x1f1, image.setupHeader().length);
    }

    @Test
    void loadsTheRealKernel() throws Exception {
        byte[] file = kernel();
        try (Arena arena = Arena.ofConfined()) {
            RegionGuestMemory memory = new RegionGuestMemory(List.of(new GuestRegion(0, arena.allocate(128 << 20))));
            LoadedBzImage k = BzImageLoader.load(KERNEL, memory);
            assertEquals(0x1000000, k.loadAddress());
            assertEquals(0x1000200, k.entry());
            assertEquals(0x1000000 + 0x3378000, k.kernel().imageEnd());
            assertArrayEquals(Arrays.copyOfRange(file, 0x5000, 0x5000 + 4096), memory.read(0x1000000, 4096));
            long zp = ZeroPage.write(memory, k.image(), "console=ttyS0", null, E820Map.of(memory.regions()), 0);
            assertEquals(0x53726448, memory.readInt(zp + 0x202));
            assertEquals(0x020f, memory.readShort(zp + 0x206));
        }
    }
}
