package io.kvmj.it.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelModulesTest {
    @TempDir
    Path dir;

    @Test
    void namedModulesComeWithTheirDependenciesFirstAndNothingElse() throws Exception {
        KernelModules modules = KernelModules.index(FakeModuleTree.virtio(dir));

        List<Path> files = modules.withDependencies(List.of("virtio_blk", "virtio-rng"));

        assertEquals(List.of("kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko",
                        "kernel/drivers/block/virtio_blk.ko", "kernel/drivers/char/hw_random/virtio-rng.ko"),
                files.stream().map(Path::toString).toList());
    }

    @Test
    void moduleNotInTheTreeIsNamedInTheError() throws Exception {
        KernelModules modules = KernelModules.index(FakeModuleTree.virtio(dir));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> modules.withDependencies(List.of("ext4")));

        assertTrue(e.getMessage().contains("ext4"), e.getMessage());
    }

    @Test
    void dependenciesAreReadFromTheModinfoEntry() {
        byte[] ko = "code\0depends=\0x\0author=someone depends=fake\0".getBytes(StandardCharsets.US_ASCII);
        assertEquals(List.of(), KernelModules.dependencies(ko));
        assertEquals(List.of("a_b", "c"), KernelModules.dependencies("\0depends=a-b,c\0".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(List.of(), KernelModules.dependencies("no modinfo".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void moduleNamesUseUnderscores() {
        assertEquals("virtio_rng", KernelModules.moduleName("virtio-rng.ko"));
        assertEquals("virtio_mmio", KernelModules.moduleName("virtio_mmio"));
    }
}
