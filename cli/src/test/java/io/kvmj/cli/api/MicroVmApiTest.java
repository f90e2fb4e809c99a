package io.kvmj.cli.api;

import io.kvmj.config.ConfigException;
import io.kvmj.config.ConfigLoader;
import io.kvmj.config.VmConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API over its real Unix socket, up to the start of a VM (no KVM needed): each body's fault is the message the
 * same section gets in a config file, computed here by loading that config file.
 */
class MicroVmApiTest {
    @TempDir
    Path dir;

    private final List<VmConfig> starts = new ArrayList<>();
    private final List<VmConfig> checked = new ArrayList<>();
    private ApiServer server;
    private ApiClient api;
    private Path kernel;
    private Path disk;

    @BeforeEach
    void serve() throws Exception {
        kernel = Files.writeString(dir.resolve("vmlinux"), "a kernel file; the machine check is the test's");
        disk = Files.write(dir.resolve("disk.img"), new byte[4096]);
        server = new MicroVmApi("1.2.3", dir, checked::add, this::startFake).serve(dir.resolve("api.sock"));
        api = new ApiClient(server.socket());
    }

    private RunningMachine startFake(VmConfig config) {
        starts.add(config);
        return new FakeMachine();
    }

    @AfterEach
    void close() throws Exception {
        api.close();
        server.close();
    }

    @Test
    void theSocketIsOwnerOnlyRefusesAnExistingPathAndGoesOnClose() throws Exception {
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(server.socket())));
        MicroVmApi another = new MicroVmApi("1.2.3", dir, c -> {}, this::startFake);
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> another.serve(server.socket()));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("api.sock", "disk.img", "vmlinux"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no private directory left");
        }
        server.close();
        assertTrue(Files.notExists(server.socket()));
    }

    @Test
    void instanceInfoAndVersion() throws Exception {
        assertEquals(new ApiClient.Answer(200, "{\"id\":\"anonymous-instance\",\"state\":\"Not started\","
                + "\"vmm_version\":\"1.2.3\",\"app_name\":\"kvmj\"}"), api.get("/"));
        assertEquals(new ApiClient.Answer(200, "{\"firecracker_version\":\"1.2.3\"}"), api.get("/version"));
    }

    @Test
    void machineConfigIsFirecrackersDefaultUntilPut() throws Exception {
        assertEquals(new ApiClient.Answer(200, "{\"vcpu_count\":1,\"mem_size_mib\":128,\"smt\":false,"
                + "\"track_dirty_pages\":false}"), api.get("/machine-config"));
        assertNoContent(api.put("/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 256}"));
        assertEquals(new ApiClient.Answer(200, "{\"vcpu_count\":2,\"mem_size_mib\":256,\"smt\":false,"
                + "\"track_dirty_pages\":false}"), api.get("/machine-config"));
    }

    @Test
    void badBodiesGetTheConfigFilesMessages() throws Exception {
        String boot = "{\"kernel_image_path\": \"" + kernel + "\"}";
        assertFault(fileMessage("{\"boot-source\": {\"kernel_image_path\": \"nope\"}}"),
                api.put("/boot-source", "{\"kernel_image_path\": \"nope\"}"));
        assertNoContent(api.put("/boot-source", boot));
        assertFault(fileMessage("{\"boot-source\": " + boot + ", \"machine-config\": {\"vcpu_count\": 0, "
                + "\"mem_size_mib\": 64}}"), api.put("/machine-config", "{\"vcpu_count\": 0, \"mem_size_mib\": 64}"));
        assertFault(fileMessage("{\"boot-source\": " + boot + ", \"machine-config\": {\"vcpu_count\": 1}}"),
                api.put("/machine-config", "{\"vcpu_count\": 1}"));
        assertFault(fileMessage("{\"boot-source\": " + boot + ", \"vsock\": {\"guest_cid\": 2, \"uds_path\": \"v.sock\"}}"),
                api.put("/vsock", "{\"guest_cid\": 2, \"uds_path\": \"v.sock\"}"));
        assertFault(fileMessage("{\"boot-source\": " + boot + ", \"entropy\": {\"colour\": 1}}"),
                api.put("/entropy", "{\"colour\": 1}"));
        assertNoContent(api.put("/vsock", "{\"guest_cid\": 3, \"uds_path\": \"v.sock\"}"));
        assertNoContent(api.put("/entropy", "{}"));
    }

    @Test
    void drivesAreCheckedInTheirPlaceInTheList() throws Exception {
        assertNoContent(api.put("/drives/rootfs", drive("rootfs", disk, true)));
        String missing = drive("data", dir.resolve("missing.img"), false);
        assertFault(fileMessage("{\"boot-source\": {\"kernel_image_path\": \"" + kernel + "\"}, \"drives\": ["
                + drive("rootfs", disk, true) + ", " + missing + "]}"), api.put("/drives/data", missing));
        assertTrue(api.put("/drives/data", missing).body().contains("drives[1].path_on_host"));
        assertFault(fileMessage("{\"boot-source\": {\"kernel_image_path\": \"" + kernel + "\"}, \"drives\": ["
                        + drive("rootfs", disk, true) + ", " + drive("data", disk, true) + "]}"),
                api.put("/drives/data", drive("data", disk, true)));
        // a drive put again is replaced where it is
        assertNoContent(api.put("/drives/data", drive("data", disk, false)));
        assertNoContent(api.put("/drives/rootfs", drive("rootfs", disk, false)));
        assertNoContent(api.put("/boot-source", "{\"kernel_image_path\": \"" + kernel + "\"}"));
        VmConfig config = ConfigLoader.parse(api.get("/vm/config").body(), dir);
        assertEquals(List.of("rootfs", "data"), config.drives().stream().map(d -> d.driveId()).toList());
        assertTrue(config.drives().stream().noneMatch(d -> d.rootDevice()));
    }

    @Test
    void aBodysIdMustBeThePathsId() throws Exception {
        String mismatch = "The id from the path does not match the id from the body!";
        assertFault(mismatch, api.put("/drives/other", drive("rootfs", disk, true)));
        assertFault(mismatch, api.put("/drives/rootfs", "{\"path_on_host\": \"" + disk + "\"}"));
        assertFault(mismatch, api.put("/network-interfaces/eth1", nic("eth0", "06:00:ac:10:00:02")));
        assertNoContent(api.put("/network-interfaces/eth0", nic("eth0", "06:00:ac:10:00:02")));
        assertFault(fileMessage("{\"boot-source\": {\"kernel_image_path\": \"" + kernel + "\"}, "
                        + "\"network-interfaces\": [" + nic("eth0", "06:00:ac:10:00:02") + ", " + nic("eth1", "zz") + "]}"),
                api.put("/network-interfaces/eth1", nic("eth1", "zz")));
    }

    @Test
    void unknownPathsMethodsAndBodiesThatAreNotJson() throws Exception {
        assertEquals(new ApiClient.Answer(404, "{\"fault_message\":\"Invalid request method and/or path: GET /nope.\"}"),
                api.get("/nope"));
        assertEquals(404, api.put("/drives/", "{}").status());
        assertEquals(new ApiClient.Answer(405, "{\"fault_message\":\"Invalid request method and/or path: "
                + "DELETE /machine-config. (allowed: GET, PUT)\"}"), api.send("DELETE", "/machine-config", null));
        assertEquals(405, api.get("/boot-source").status());
        ApiClient.Answer notJson = api.put("/boot-source", "kernel=vmlinux");
        assertEquals(400, notJson.status());
        assertTrue(notJson.body().startsWith("{\"fault_message\":\"the request body is not valid JSON: "), notJson.body());
        assertFault("the request body is empty, expected a JSON object", api.put("/boot-source", ""));
        assertFault("the request body must be a JSON object", api.put("/boot-source", "[1]"));
        assertFault("the request body has more after its JSON object", api.put("/entropy", "{} {}"));
        assertEquals(400, api.put("/entropy", "{\"a\": 1, \"a\": 2}").status(), "duplicate keys");
    }

    @Test
    void anIncompleteMachineDoesNotStart() throws Exception {
        assertFault("boot-source: required key missing", start());
        assertTrue(starts.isEmpty());
        assertEquals(200, api.get("/").status());
        assertTrue(api.get("/").body().contains("\"Not started\""));
    }

    @Test
    void aCompleteMachineStartsOnceAndThenTakesNoPreBootRequests() throws Exception {
        assertNoContent(api.put("/boot-source", "{\"kernel_image_path\": \"vmlinux\", \"boot_args\": \"console=ttyS0\"}"));
        assertNoContent(api.put("/drives/rootfs", drive("rootfs", disk, true)));
        assertNoContent(start());
        assertEquals(1, starts.size());
        VmConfig started = starts.getFirst();
        assertEquals(kernel, started.bootSource().kernelImagePath(), "relative to the API's directory");
        assertEquals("rootfs", started.drives().getFirst().driveId());
        assertEquals(List.of(started), checked, "checked as a machine before it starts");
        assertTrue(api.get("/").body().contains("\"state\":\"Running\""));

        String afterStart = "The requested operation is not supported after starting the microVM.";
        String document = api.get("/vm/config").body();
        // every pre-boot resource, each with a body it took before the start
        assertFault(afterStart, api.put("/boot-source", "{\"kernel_image_path\": \"vmlinux\"}"));
        assertFault(afterStart, api.put("/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 256}"));
        assertFault(afterStart, api.put("/drives/data", drive("data", disk, false)));
        assertFault(afterStart, api.put("/drives/rootfs", drive("rootfs", disk, true)));
        assertFault(afterStart, api.put("/network-interfaces/eth0", nic("eth0", "06:00:ac:10:00:02")));
        assertFault(afterStart, api.put("/vsock", "{\"guest_cid\": 3, \"uds_path\": \"v.sock\"}"));
        assertFault(afterStart, api.put("/entropy", "{}"));
        assertFault(afterStart, start());
        assertEquals(document, api.get("/vm/config").body(), "nothing changed");
        assertEquals(200, api.get("/machine-config").status(), "reading is still allowed");
        assertEquals(1, starts.size());
    }

    @Test
    void aMachineTheCheckRefusesDoesNotStart() throws Exception {
        ApiServer refusing = new MicroVmApi("1", dir, c -> {
            throw new IllegalArgumentException("too many devices");
        }, this::startFake).serve(dir.resolve("refusing.sock"));
        try (refusing; ApiClient client = new ApiClient(refusing.socket())) {
            assertNoContent(client.put("/boot-source", "{\"kernel_image_path\": \"vmlinux\"}"));
            assertFault("too many devices", client.put("/actions", "{\"action_type\": \"InstanceStart\"}"));
            assertTrue(starts.isEmpty());
            assertNoContent(client.put("/entropy", "{}"));
        }
    }

    private ApiClient.Answer start() throws Exception {
        return api.put("/actions", "{\"action_type\": \"InstanceStart\"}");
    }

    private static String drive(String id, Path path, boolean root) {
        return "{\"drive_id\": \"" + id + "\", \"path_on_host\": \"" + path + "\", \"is_root_device\": " + root
                + ", \"is_read_only\": false}";
    }

    private static String nic(String id, String mac) {
        return "{\"iface_id\": \"" + id + "\", \"host_dev_name\": \"tap0\", \"guest_mac\": \"" + mac + "\"}";
    }

    /** The one line a config file with {@code document} is refused with. */
    private String fileMessage(String document) throws Exception {
        Path file = Files.writeString(dir.resolve("config.json"), document);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        return e.getMessage();
    }

    private static void assertFault(String message, ApiClient.Answer answer) {
        assertEquals(ApiClient.Answer.fault(400, message), answer);
    }

    private static void assertNoContent(ApiClient.Answer answer) {
        assertEquals(ApiClient.Answer.NO_CONTENT, answer);
    }
}
