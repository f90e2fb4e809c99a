package io.kvmj.it.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A lib/modules/VERSION tree of fake .ko files whose .modinfo-style strings name their dependencies. */
final class FakeModuleTree {
    private FakeModuleTree() {
    }

    /** Writes {@code root/relativePath} as a module image depending on {@code depends} (comma-separated). */
    static Path module(Path root, String relativePath, String depends) throws IOException {
        Path ko = root.resolve(relativePath);
        Files.createDirectories(ko.getParent());
        String modinfo = "\0license=GPL\0depends=" + depends + "\0name=" + KernelModules.moduleName(
                ko.getFileName().toString()) + "\0vermagic=6.1.0 SMP\0";
        Files.write(ko, ("\177ELF fake code " + relativePath + modinfo).getBytes(StandardCharsets.US_ASCII));
        return ko;
    }

    /** The virtio part of Debian's tree, with the real dependencies. */
    static Path virtio(Path root) throws IOException {
        module(root, "kernel/drivers/virtio/virtio_ring.ko", "");
        module(root, "kernel/drivers/virtio/virtio.ko", "virtio_ring");
        module(root, "kernel/drivers/virtio/virtio_mmio.ko", "virtio,virtio_ring");
        module(root, "kernel/drivers/block/virtio_blk.ko", "virtio,virtio_ring");
        module(root, "kernel/drivers/char/hw_random/virtio-rng.ko", "virtio,virtio_ring");
        module(root, "kernel/fs/unrelated.ko", "");
        return root;
    }
}
