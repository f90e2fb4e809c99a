package io.kvmj.vmm.boot.bzimage;

import io.kvmj.vmm.boot.BootException;
import io.kvmj.vmm.boot.PvhStartInfo;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BzImageLoaderTest {
    @TempDir
    Path dir;
    private final TestBzImage t = new TestBzImage();

    private static RegionGuestMemory memory(long bytes) {
        return new RegionGuestMemory(List.of(new GuestRegion(0, Arena.ofAuto().allocate(bytes))));
    }

    private LoadedBzImage load(RegionGuestMemory memory) throws Exception {
        return BzImageLoader.load(Files.write(dir.resolve("bzImage"), t.build()), memory);
    }

    private static void assertKernelAt(RegionGuestMemory memory, long address, int bytes) {
        byte[] expected = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            expected[i] = TestBzImage.kernelByte(i);
        }
        assertArrayEquals(expected, memory.read(address, bytes));
    }

    @Test
    void relocatableKernelGoesToPrefAddressAndEntersAt0x200() throws Exception {
        t.trailer = 64;
        RegionGuestMemory memory = memory(32 << 20);
        LoadedBzImage k = load(memory);
        assertEquals(0x1000000, k.loadAddress());
        assertEquals(0x1000200, k.entry());
        assertEquals(0x1000000 + 0x400000, k.kernel().imageEnd(), "runtime start + init_size");
        assertKernelAt(memory, 0x1000000, 0x3000);
        assertEquals(0, memory.readByte(0x1003000), "the trailing signature is not loaded");
        assertEquals(0, memory.readByte(0x100000), "nothing at 1 MiB");
    }

    @Test
    void relocatableLoadAddressIsAlignedAndFallsBackTo16MiB() {
        t.prefAddress = 0x1100000;
        assertEquals(0x1200000, BzImageLoader.loadAddress(BzImage.parse("k", t.build())), "aligned up to 2 MiB");
        t.prefAddress = 0;
        assertEquals(0x1000000, BzImageLoader.loadAddress(BzImage.parse("k", t.build())));
        t.prefAddress = 0x8000;
        assertEquals(0x1000000, BzImageLoader.loadAddress(BzImage.parse("k", t.build())), "below 1 MiB");
        t.prefAddress = -4096;
        assertEquals(0x1000000, BzImageLoader.loadAddress(BzImage.parse("k", t.build())), "not an address");
        t.prefAddress = 0;
        t.kernelAlignment = 0x1000000 * 2L;
        assertEquals(0x2000000, BzImageLoader.loadAddress(BzImage.parse("k", t.build())));
    }

    @Test
    void nonRelocatableKernelGoesTo1MiBAndNeedsPrefAddressPlusInitSize() throws Exception {
        t.relocatable = false;
        RegionGuestMemory memory = memory(32 << 20);
        LoadedBzImage k = load(memory);
        assertEquals(0x100000, k.loadAddress());
        assertEquals(0x100200, k.entry());
        assertEquals(0x1000000 + 0x400000, k.kernel().imageEnd(), "it moves itself to pref_address");
        assertKernelAt(memory, 0x100000, 0x3000);
    }

    @Test
    void rejectsKernelsThatDoNotFit() throws Exception {
        t.initSize = 0x1000000; // 16 MiB at 16 MiB needs 32 MiB of RAM
        String message = assertThrows(BootException.class, () -> load(memory(31 << 20))).getMessage();
        assertTrue(message.endsWith(": kernel does not fit in guest RAM: it needs 0x1000000..0x2000000 (load address"
                + " 0x1000000, init_size 0x1000000), guest RAM below 4 GiB ends at 0x1f00000"), message);
        RegionGuestMemory exact = memory(32 << 20);
        assertEquals(0x2000000, load(exact).kernel().imageEnd());
        t.initSize = 0x1000;
        assertThrows(BootException.class, () -> load(memory(16 << 20)), "load address at the end of RAM");
    }

    @Test
    void reportsUnreadableFiles() {
        assertTrue(assertThrows(BootException.class, () -> BzImageLoader.load(dir.resolve("none"), memory(1 << 20)))
                .getMessage().contains("cannot read kernel"));
    }

    @Test
    void initrdGoesBelowInitrdAddrMaxAndAboveTheKernel() throws Exception {
        RegionGuestMemory memory = memory(64 << 20);
        LoadedBzImage k = load(memory);
        byte[] data = new byte[10000];
        Arrays.fill(data, (byte) 7);
        Path initrd = Files.write(dir.resolve("initrd"), data);
        PvhStartInfo.Module top = BzImageLoader.loadInitrd(initrd, memory, k);
        assertEquals(((64 << 20) - 10000) & ~4095L, top.address(), "top of low RAM");
        assertArrayEquals(data, memory.read(top.address(), data.length));

        t.initrdAddrMax = (48 << 20) - 1;
        k = load(memory);
        PvhStartInfo.Module capped = BzImageLoader.loadInitrd(initrd, memory, k);
        assertEquals(((48 << 20) - 10000) & ~4095L, capped.address(), "below initrd_addr_max");

        t.initrdAddrMax = 0x1400000; // the decompression area ends at 0x1400000
        LoadedBzImage tight = load(memory);
        assertTrue(assertThrows(BootException.class, () -> BzImageLoader.loadInitrd(initrd, memory, tight))
                .getMessage().contains("does not fit"));
    }
}
