package io.kvmj.it.linux;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The unpacked package's layout, as scripts/fetch-debian-kernel.sh writes it. */
class DebianKernelLayoutTest {
    @Test
    void vmlinuxAndModulesSitBesideTheBzImage() {
        DebianKernel k = DebianKernel.at(Path.of("/cache/boot/vmlinuz-6.1.0-57-cloud-amd64"));

        assertEquals("6.1.0-57-cloud-amd64", k.version());
        assertEquals(Path.of("/cache/boot/vmlinux-6.1.0-57-cloud-amd64"), k.vmlinux());
        assertEquals(Path.of("/cache/lib/modules/6.1.0-57-cloud-amd64"), k.modules());
    }

    @Test
    void fileThatIsNotAVmlinuzIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> DebianKernel.at(Path.of("/cache/boot/bzImage")));
        assertThrows(IllegalArgumentException.class, () -> DebianKernel.at(Path.of("/cache/boot/vmlinuz-")));
    }
}
