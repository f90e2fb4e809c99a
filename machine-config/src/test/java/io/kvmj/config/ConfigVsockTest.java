package io.kvmj.config;

import static io.kvmj.config.ConfigAssertions.assertError;
import static io.kvmj.config.ConfigAssertions.createKernel;
import static io.kvmj.config.ConfigAssertions.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Firecracker's {@code vsock} section: binding, defaults, checks and the written-back form. */
class ConfigVsockTest {
    @TempDir
    Path dir;

    @BeforeEach
    void kernel() throws IOException {
        createKernel(dir);
    }

    private static String vsock(String body) {
        return minimalWith(", \"vsock\": {" + body + "}");
    }

    @Test
    void firecrackerSectionLoadsWithTheSocketResolvedAgainstTheConfigDir() throws Exception {
        VmConfig config = ConfigLoader.parse(vsock("\"vsock_id\": \"vsock0\", \"guest_cid\": 3, \"uds_path\": \"v.sock\""),
                dir);
        assertEquals(new VsockConfig("vsock0", 3, dir.toAbsolutePath().normalize().resolve("v.sock")), config.vsock());
    }

    @Test
    void vsockIdIsOptionalAndTheLargestCidIsAccepted() throws Exception {
        VmConfig config = ConfigLoader.parse(vsock("\"guest_cid\": 4294967294, \"uds_path\": \"v.sock\""), dir);
        assertNull(config.vsock().vsockId());
        assertEquals(0xffff_fffeL, config.vsock().guestCid());
    }

    @Test
    void nullSectionMeansNoDevice() throws Exception {
        assertNull(ConfigLoader.parse(minimalWith(", \"vsock\": null"), dir).vsock());
    }

    @Test
    void writtenBackAndReadToTheSameConfig() throws Exception {
        VmConfig config = ConfigLoader.parse(vsock("\"vsock_id\": \"v\", \"guest_cid\": 52, \"uds_path\": \"v.sock\""),
                dir);
        String json = ConfigLoader.toJson(config);
        assertTrue(json.contains("\"guest_cid\" : 52"), json);
        assertEquals(config, ConfigLoader.parse(json, Path.of("/")));
    }

    @Test
    void reservedCidsAreRefused() {
        assertError(vsock("\"guest_cid\": 2, \"uds_path\": \"v.sock\""), dir, "vsock.guest_cid",
                "must be at least 3 (got 2)");
        assertError(vsock("\"guest_cid\": 4294967295, \"uds_path\": \"v.sock\""), dir, "vsock.guest_cid",
                "must be at most 4294967294 (0xffffffff is VMADDR_CID_ANY) (got 4294967295)");
    }

    @Test
    void requiredKeys() {
        assertError(vsock("\"uds_path\": \"v.sock\""), dir, "vsock.guest_cid", "required key missing");
        assertError(vsock("\"guest_cid\": 3"), dir, "vsock.uds_path", "required key missing");
        assertError(vsock("\"guest_cid\": 3, \"uds_path\": \"\""), dir, "vsock.uds_path", "must not be empty");
    }

    @Test
    void existingSocketPathIsRefusedAndLeftAlone() throws IOException {
        Path existing = Files.writeString(dir.resolve("v.sock"), "someone's");
        assertError(vsock("\"guest_cid\": 3, \"uds_path\": \"v.sock\""), dir, "vsock.uds_path",
                "already exists (remove it first; kvmj creates the socket): " + existing);
        assertEquals("someone's", Files.readString(existing));
    }

    @Test
    void missingDirectoryIsRefused() {
        assertError(vsock("\"guest_cid\": 3, \"uds_path\": \"no/such/v.sock\""), dir, "vsock.uds_path",
                "directory does not exist: " + dir.toAbsolutePath().normalize().resolve("no/such"));
    }

    @Test
    void pathLongerThanSunPathIsRefused() {
        String name = "s".repeat(ConfigLimits.MAX_UDS_PATH_BYTES);
        assertError(vsock("\"guest_cid\": 3, \"uds_path\": \"" + name + "\""), dir, "vsock.uds_path",
                "too long for a Unix socket: ");
    }

    @Test
    void unknownKeyIsNamed() {
        assertError(vsock("\"guest_cid\": 3, \"uds_path\": \"v.sock\", \"cid\": 3"), dir, "vsock",
                "unknown key \"cid\"");
    }
}
