package io.kvmj.config;

import static io.kvmj.config.ConfigAssertions.assertError;
import static io.kvmj.config.ConfigAssertions.createKernel;
import static io.kvmj.config.ConfigAssertions.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code drives} and {@code entropy} sections: what loads, what is refused and how. */
class ConfigDrivesTest {
    @TempDir
    Path dir;

    Path abs;

    @BeforeEach
    void files() throws IOException {
        createKernel(dir);
        abs = dir.toAbsolutePath().normalize();
        Files.write(dir.resolve("rootfs.ext4"), new byte[4096]);
        Files.write(dir.resolve("data.img"), new byte[512]);
    }

    private static String drives(String... drives) {
        return minimalWith(", \"drives\": [" + String.join(", ", drives) + "]");
    }

    private static String drive(String extraKeys) {
        return "{\"drive_id\": \"rootfs\", \"path_on_host\": \"rootfs.ext4\"" + extraKeys + "}";
    }

    private VmConfig parse(String json) throws ConfigException {
        return ConfigLoader.parse(json, dir);
    }

    // ---- good ----

    @Test
    void firecrackerRootDrive() throws Exception {
        VmConfig config = parse(drives(drive(", \"is_root_device\": true, \"is_read_only\": false")));
        assertEquals(List.of(new DriveConfig("rootfs", abs.resolve("rootfs.ext4"), true, false, null, false, "rootfs",
                false)), config.drives());
    }

    @Test
    void everyKey() throws Exception {
        VmConfig config = parse(drives(drive(", \"is_root_device\": true, \"is_read_only\": true,"
                + " \"partuuid\": \"0eaa91a0-01\", \"cache_type\": \"Writeback\", \"io_engine\": \"Sync\","
                + " \"rate_limiter\": null, \"serial\": \"SN-0042\", \"direct_io\": true")));
        assertEquals(List.of(new DriveConfig("rootfs", abs.resolve("rootfs.ext4"), true, true, "0eaa91a0-01", true,
                "SN-0042", true)), config.drives());
    }

    @Test
    void optionalKeysDefault() throws Exception {
        DriveConfig d = parse(drives(drive(""))).drives().getFirst();
        assertFalse(d.rootDevice(), "is_root_device is required by Firecracker, optional here");
        assertFalse(d.readOnly());
        assertNull(d.partuuid());
        assertFalse(d.writeback(), "cache_type defaults to Unsafe");
        assertFalse(d.directIo());
    }

    @Test
    void nullOptionalKeysMeanAbsent() throws Exception {
        DriveConfig d = parse(drives(drive(", \"is_root_device\": null, \"is_read_only\": null, \"partuuid\": null,"
                + " \"cache_type\": null, \"io_engine\": null, \"serial\": null, \"direct_io\": null"))).drives().getFirst();
        assertEquals(new DriveConfig("rootfs", abs.resolve("rootfs.ext4"), false, false, null, false, "rootfs", false),
                d);
    }

    @Test
    void unsafeCacheType() throws Exception {
        assertFalse(parse(drives(drive(", \"cache_type\": \"Unsafe\""))).drives().getFirst().writeback());
    }

    @Test
    void severalDrivesKeepTheirOrder() throws Exception {
        VmConfig config = parse(drives(
                "{\"drive_id\": \"data_1\", \"path_on_host\": \"data.img\", \"is_root_device\": false}",
                drive(", \"is_root_device\": true"),
                "{\"drive_id\": \"data-2\", \"path_on_host\": \"" + abs.resolve("data.img") + "\"}"));
        assertEquals(List.of("data_1", "rootfs", "data-2"), config.drives().stream().map(DriveConfig::driveId).toList());
        assertTrue(config.drives().get(1).rootDevice());
        assertEquals(abs.resolve("data.img"), config.drives().get(2).path(), "the same file twice is allowed");
    }

    @Test
    void defaultSerialIsDriveIdCutTo20Bytes() throws Exception {
        String id = "abcdefghijklmnopqrstuvwxyz";
        DriveConfig d = parse(drives("{\"drive_id\": \"" + id + "\", \"path_on_host\": \"data.img\"}")).drives().getFirst();
        assertEquals("abcdefghijklmnopqrst", d.serial());
    }

    @Test
    void serialOfExactly20BytesAndEmptySerial() throws Exception {
        assertEquals("12345678901234567890",
                parse(drives(drive(", \"serial\": \"12345678901234567890\""))).drives().getFirst().serial());
        assertEquals("", parse(drives(drive(", \"serial\": \"\""))).drives().getFirst().serial());
    }

    @Test
    void driveIdOf64Characters() throws Exception {
        String id = "a".repeat(64);
        assertEquals(id, parse(drives("{\"drive_id\": \"" + id + "\", \"path_on_host\": \"data.img\"}"))
                .drives().getFirst().driveId());
    }

    @Test
    void emptyDiskImageIsAccepted() throws Exception {
        Files.createFile(dir.resolve("empty.img"));
        parse(drives("{\"drive_id\": \"e\", \"path_on_host\": \"empty.img\"}"));
    }

    @Test
    void relativePathResolvesAgainstConfigDir() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("vm"));
        createKernel(sub);
        Files.write(sub.resolve("disk.img"), new byte[512]);
        Path file = sub.resolve("vm.json");
        Files.writeString(file, minimalWith(", \"drives\": [{\"drive_id\": \"d\", \"path_on_host\": \"./disk.img\"}]"));
        assertEquals(sub.toAbsolutePath().normalize().resolve("disk.img"),
                ConfigLoader.load(file).drives().getFirst().path());
    }

    @Test
    void noDrives() throws Exception {
        assertEquals(List.of(), parse(minimalWith("")).drives());
        assertEquals(List.of(), parse(minimalWith(", \"drives\": null")).drives());
        assertEquals(List.of(), parse(minimalWith(", \"drives\": []")).drives());
    }

    @Test
    void entropy() throws Exception {
        assertNull(parse(minimalWith("")).entropy());
        assertNull(parse(minimalWith(", \"entropy\": null")).entropy());
        assertEquals(new EntropyConfig(), parse(minimalWith(", \"entropy\": {}")).entropy());
        assertEquals(new EntropyConfig(), parse(minimalWith(", \"entropy\": {\"rate_limiter\": null}")).entropy());
    }

    @Test
    void toJsonRoundTripsDrivesAndEntropy() throws Exception {
        VmConfig config = parse(minimalWith(", \"entropy\": {}, \"drives\": ["
                + drive(", \"is_root_device\": true, \"partuuid\": \"p-1\", \"cache_type\": \"Writeback\"") + ", "
                + "{\"drive_id\": \"data\", \"path_on_host\": \"data.img\", \"is_read_only\": true,"
                + " \"serial\": \"DATA-SN\", \"direct_io\": true}]"));
        String json = ConfigLoader.toJson(config);
        assertEquals(config, ConfigLoader.parse(json, Path.of("/")));
        assertTrue(json.contains("\"entropy\" : { }"), json);
        assertTrue(json.contains("\"cache_type\" : \"Writeback\""), json);
        assertTrue(json.contains("\"serial\" : \"DATA-SN\""), json);
    }

    @Test
    void toJsonOmitsDefaultKvmjDriveKeys() throws Exception {
        String json = ConfigLoader.toJson(parse(drives(drive(", \"is_root_device\": true"))));
        assertFalse(json.contains("\"serial\"") || json.contains("direct_io") || json.contains("entropy"), json);
        assertTrue(json.contains("\"is_root_device\" : true"), json);
    }

    @Test
    void validateCodeBuiltDrive() throws Exception {
        VmConfig raw = new VmConfig(new BootSource(Path.of("vmlinux"), null, null), new MachineSpec(1, 64, false, false),
                null, null, List.of(new DriveConfig("abcdefghijklmnopqrstuvwxyz", Path.of("data.img"), false, false,
                        null, false, null, false)), new EntropyConfig(), true, null);
        VmConfig config = ConfigLoader.validate(raw, dir);
        assertEquals(new DriveConfig("abcdefghijklmnopqrstuvwxyz", abs.resolve("data.img"), false, false, null, false,
                "abcdefghijklmnopqrst", false), config.drives().getFirst());
        assertNotNull(config.entropy());
    }

    @Test
    void shortConstructorHasNoDrivesAndNoEntropy() {
        VmConfig c = new VmConfig(null, null, null, null);
        assertEquals(List.of(), c.drives());
        assertNull(c.entropy());
        assertEquals(List.of(), new VmConfig(null, null, null, null, null, null, true, null).drives());
    }

    // ---- bad ----

    @Test
    void duplicateDriveId() {
        String msg = assertError(drives(drive(""), "{\"drive_id\": \"data\", \"path_on_host\": \"data.img\"}",
                drive("")), dir, "drives[2].drive_id", "duplicate");
        assertEquals("drives[2].drive_id: duplicate drive_id \"rootfs\" (also drives[0])", msg);
    }

    @Test
    void twoRootDevices() {
        String msg = assertError(drives(drive(", \"is_root_device\": true"),
                "{\"drive_id\": \"data\", \"path_on_host\": \"data.img\", \"is_root_device\": true}"), dir,
                "drives[1].is_root_device", "only one");
        assertEquals("drives[1].is_root_device: only one drive can be the root device (drives[0] already is)", msg);
    }

    @Test
    void missingFile() {
        String msg = assertError(drives(drive(""), "{\"drive_id\": \"data\", \"path_on_host\": \"nope.img\"}"), dir,
                "drives[1].path_on_host", "file not found: ");
        assertEquals("drives[1].path_on_host: file not found: " + abs.resolve("nope.img")
                + " (resolved from \"nope.img\")", msg);
    }

    @Test
    void directoryAsPath() throws IOException {
        Files.createDirectory(dir.resolve("disks"));
        assertError(drives("{\"drive_id\": \"d\", \"path_on_host\": \"disks\"}"), dir, "drives[0].path_on_host",
                "is a directory, not a file: " + abs.resolve("disks"));
    }

    @Test
    void deviceNodeIsNotARegularFile() {
        assertError(drives("{\"drive_id\": \"d\", \"path_on_host\": \"/dev/null\"}"), dir, "drives[0].path_on_host",
                "not a regular file: /dev/null");
    }

    @Test
    void unwritableFileForReadWriteDrive() throws Exception {
        Path ro = dir.resolve("ro.img");
        Files.write(ro, new byte[512]);
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r--r--r--"));
        assumeFalse(Files.isWritable(ro), "running as root: every file is writable");
        assertError(drives("{\"drive_id\": \"d\", \"path_on_host\": \"ro.img\"}"), dir, "drives[0].path_on_host",
                "file not writable (set is_read_only");
        parse(drives("{\"drive_id\": \"d\", \"path_on_host\": \"ro.img\", \"is_read_only\": true}"));
    }

    @Test
    void emptyPath() {
        assertError(drives("{\"drive_id\": \"d\", \"path_on_host\": \"\"}"), dir, "drives[0].path_on_host",
                "must not be empty");
    }

    @Test
    void badDriveIdCharacter() {
        assertError(drives("{\"drive_id\": \"root fs\", \"path_on_host\": \"data.img\"}"), dir, "drives[0].drive_id",
                "only A-Z, a-z, 0-9, \"_\" and \"-\" are allowed (found U+0020 at index 4)");
    }

    @Test
    void driveIdWithSlash() {
        assertError(drives("{\"drive_id\": \"../x\", \"path_on_host\": \"data.img\"}"), dir, "drives[0].drive_id",
                "found U+002E at index 0");
    }

    @Test
    void emptyDriveId() {
        assertError(drives("{\"drive_id\": \"\", \"path_on_host\": \"data.img\"}"), dir, "drives[0].drive_id",
                "must not be empty");
    }

    @Test
    void driveIdTooLong() {
        assertError(drives("{\"drive_id\": \"" + "a".repeat(65) + "\", \"path_on_host\": \"data.img\"}"), dir,
                "drives[0].drive_id", "too long: 65 characters (at most 64)");
    }

    @Test
    void serialTooLong() {
        assertError(drives(drive(", \"serial\": \"123456789012345678901\"")), dir, "drives[0].serial",
                "too long: 21 bytes (at most 20, the virtio-blk ID size)");
    }

    @Test
    void serialNotAscii() {
        assertError(drives(drive(", \"serial\": \"disk\u00e9\"")), dir, "drives[0].serial",
                "only printable ASCII is allowed (found U+00E9 at index 4)");
    }

    @Test
    void missingDriveId() {
        assertError(drives("{\"path_on_host\": \"data.img\"}"), dir, "drives[0].drive_id", "required key missing");
    }

    @Test
    void missingPathOnHost() {
        assertError(drives("{\"drive_id\": \"d\"}"), dir, "drives[0].path_on_host", "required key missing");
    }

    @Test
    void nullDriveId() {
        assertError(drives("{\"drive_id\": null, \"path_on_host\": \"data.img\"}"), dir, "drives[0].drive_id",
                "must not be null");
    }

    @Test
    void cacheTypeUnknown() {
        assertError(drives(drive(", \"cache_type\": \"writeback\"")), dir, "drives[0].cache_type",
                "expected \"Unsafe\" or \"Writeback\", got \"writeback\"");
    }

    @Test
    void unknownKeyInDrive() {
        String msg = assertError(drives(drive(", \"readonly\": true")), dir, "drives[0]", "unknown key \"readonly\"");
        assertEquals("drives[0]: unknown key \"readonly\" (known: drive_id, path_on_host, is_root_device,"
                + " is_read_only, partuuid, cache_type, io_engine, rate_limiter, socket, serial, direct_io)", msg);
    }

    @Test
    void wrongTypeInDrive() {
        assertError(drives(drive(", \"is_read_only\": \"yes\"")), dir, "drives[0].is_read_only",
                "expected a boolean (true or false), got string \"yes\"");
    }

    @Test
    void drivesAsObject() {
        assertError(minimalWith(", \"drives\": {\"drive_id\": \"d\"}"), dir, "drives", "expected an array, got object");
    }

    @Test
    void driveAsNumber() {
        assertError(drives("1"), dir, "drives[0]", "expected an object, got integer 1");
    }

    @Test
    void nullDrive() {
        assertError(drives(drive(""), "null"), dir, "drives[1]", "must not be null");
    }

    @Test
    void entropyUnknownKey() {
        assertError(minimalWith(", \"entropy\": {\"source\": \"/dev/urandom\"}"), dir, "entropy",
                "unknown key \"source\" (known: rate_limiter)");
    }

    @Test
    void entropyAsArray() {
        assertError(minimalWith(", \"entropy\": []"), dir, "entropy", "expected an object, got array");
    }
}
