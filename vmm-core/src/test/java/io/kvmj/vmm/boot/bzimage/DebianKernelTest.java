package io.kvmj.vmm.boot.bzimage;

import io.kvmj.vmm.arch.x86.E820Map;
import io.kvmj.vmm.boot.CommandLine;
import io.kvmj.vmm.boot.ZeroPage;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's stock cloud kernel as scripts/fetch-debian-kernel.sh unpacks it (scripts/test.sh fetches it first;
 * -Dkvmj.test.bzimage names another). Every field is checked against the file's bytes at the offsets the boot
 * protocol (Documentation/arch/x86/boot.rst) gives, so the test holds for any version of the package.
 */
class DebianKernelTest {
    private static final Path CACHE = Path.of(System.getProperty("user.home"), ".cache", "kvmj", "debian-kernel", "boot");

    private static Path kernel() throws IOException {
        String property = System.getProperty("kvmj.test.bzimage");
        Path found = property != null ? Path.of(property) : null;
        if (found == null && Files.isDirectory(CACHE)) {
            try (Stream<Path> files = Files.list(CACHE)) {
                found = files.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).findFirst().orElse(null);
            }
        }
        boolean present = found != null && Files.isReadable(found);
        String why = "Debian's cloud kernel is absent: run scripts/fetch-debian-kernel.sh";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.assertTrue(present, why + " (required under CI)");
        }
        assumeTrue(present, why);
        return found;
    }

    @Test
    void parsesTheRealSetupHeader() throws Exception {
        Path path = kernel();
        byte[] file = Files.readAllBytes(path);
        ByteBuffer raw = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        BzImage image = BzImage.parse(path.toString(), file);
        assertEquals(raw.getShort(0x206) & 0xffff, image.version());
        assertTrue(image.version() >= 0x020c, "64-bit entry needs boot protocol 2.12+");
        assertEquals(file[0x1f1] & 0xff, image.setupSects());
        assertEquals((image.setupSects() + 1) * 512L, image.kernelOffset());
        assertEquals((raw.getInt(0x1f4) & 0xffffffffL) * 16, image.kernelSize(), "syssize is in 16-byte units");
        assertTrue(image.kernelOffset() + image.kernelSize() <= file.length);
        assertEquals(ZeroPage.LOADED_HIGH, image.loadFlags() & ZeroPage.LOADED_HIGH);
        assertTrue(image.relocatable());
        assertEquals(raw.getInt(0x230) & 0xffffffffL, image.kernelAlignment());
        assertEquals(raw.getShort(0x236) & 0xffff, image.xloadFlags());
        assertEquals(1, image.xloadFlags() & 1, "XLF_KERNEL_64");
        assertEquals(raw.getInt(0x238) & 0xffffffffL, image.cmdlineSize());
        assertEquals(2047, image.cmdlineSize(), "x86 COMMAND_LINE_SIZE - 1");
        assertEquals(raw.getInt(0x22c) & 0xffffffffL, image.initrdAddrMax());
        assertEquals(raw.getLong(0x258), image.prefAddress());
        assertEquals(raw.getInt(0x260) & 0xffffffffL, image.initSize());
        assertEquals(raw.getInt(0x248) & 0xffffffffL, image.payloadOffset());
        assertEquals(0x202 + (file[0x201] & 0xff) - 0x1f1, image.setupHeader().length, "header up to its end jump");
    }

    @Test
    void loadsTheRealKernel() throws Exception {
        Path path = kernel();
        byte[] file = Files.readAllBytes(path);
        try (Arena arena = Arena.ofConfined()) {
            RegionGuestMemory memory = new RegionGuestMemory(List.of(new GuestRegion(0, arena.allocate(256 << 20))));
            LoadedBzImage k = BzImageLoader.load(path, memory);
            BzImage image = k.image();
            assertEquals(image.prefAddress(), k.loadAddress());
            assertEquals(k.loadAddress() + 0x200, k.entry(), "64-bit entry: 0x200 past the protected-mode start");
            assertEquals(k.loadAddress() + image.initSize(), k.kernel().imageEnd());
            int offset = (int) image.kernelOffset();
            assertArrayEquals(Arrays.copyOfRange(file, offset, offset + 4096), memory.read(k.loadAddress(), 4096));
            long zp = ZeroPage.write(memory, image.setupHeader(), CommandLine.write(memory, "console=ttyS0"), null,
                    E820Map.of(memory.regions()), 0);
            assertEquals(0x53726448, memory.readInt(zp + 0x202), "HdrS");
            assertEquals((short) image.version(), memory.readShort(zp + 0x206));
        }
    }
}
