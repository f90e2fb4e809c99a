package io.kvmj.virtio.mmio;

import io.kvmj.virtio.block.CacheType;
import io.kvmj.vmm.devices.DeviceSetup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the virtio device setups tell the machine plan before KVM: their windows, and images that do not open. */
class VirtioMmioDevicesTest {
    @TempDir
    Path dir;

    @Test
    void aDriveWhoseImageDoesNotOpenIsRefusedByItsCheckNamingTheDrive() {
        Path missing = dir.resolve("gone.img");
        DeviceSetup drive = VirtioMmioDevices.block("drive data", missing, false, "data", false, CacheType.UNSAFE);
        var e = assertThrows(IllegalArgumentException.class, drive::check);
        assertTrue(e.getMessage().startsWith("drive data: cannot open " + missing + ": "), e.getMessage());
    }

    @Test
    void anImageThatOpensPassesAndEveryDeviceAsksForOneTransportWindow() throws Exception {
        Path image = Files.write(dir.resolve("ok.img"), new byte[4096]);
        DeviceSetup drive = VirtioMmioDevices.block("drive ok", image, true, "ok", false, CacheType.WRITEBACK);
        assertDoesNotThrow(drive::check);
        assertEquals("drive ok", drive.mmioRequest().device());
        assertEquals(MmioTransport.WINDOW_SIZE, drive.mmioRequest().size());
        assertEquals("rng", VirtioMmioDevices.rng().mmioRequest().device());
    }
}
