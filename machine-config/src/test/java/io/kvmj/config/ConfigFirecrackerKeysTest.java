package io.kvmj.config;

import static io.kvmj.config.ConfigAssertions.MINIMAL_BOOT;
import static io.kvmj.config.ConfigAssertions.assertErrorFrom;
import static io.kvmj.config.ConfigAssertions.createKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every key of Firecracker's config file ({@code VmmConfig} and its {@code vmm_config} structs): the ones kvmj does
 * not implement load at values that ask for nothing, and are refused by name at any other; keys Firecracker does not
 * know either stay unknown.
 */
class ConfigFirecrackerKeysTest {
    @TempDir
    Path dir;

    @BeforeEach
    void files() throws IOException {
        createKernel(dir);
        Files.write(dir.resolve("rootfs.ext4"), new byte[4096]);
    }

    /** Where a case puts its {@code "key": value} member. */
    enum Where {
        TOP, MACHINE, DRIVE, NETWORK_INTERFACE, ENTROPY, LOGGER;

        /** A valid config with {@code member} ("" for none) in this place. */
        String config(String member) {
            String sep = member.isEmpty() ? "" : ", ";
            return switch (this) {
                case TOP -> "{" + MINIMAL_BOOT + ", " + MACHINE.machine("") + sep + member + "}";
                case MACHINE -> "{" + MINIMAL_BOOT + ", " + machine(member) + "}";
                case DRIVE -> "{" + MINIMAL_BOOT + ", " + machine("") + ", \"drives\": [{\"drive_id\": \"rootfs\","
                        + " \"path_on_host\": \"rootfs.ext4\", \"is_root_device\": true" + sep + member + "}]}";
                case NETWORK_INTERFACE -> TOP.config("\"network-interfaces\": [{\"iface_id\": \"eth0\","
                        + " \"host_dev_name\": \"tap0\"" + sep + member + "}]");
                case ENTROPY -> TOP.config("\"entropy\": {" + member + "}");
                case LOGGER -> member.isEmpty() ? TOP.config("") : TOP.config("\"logger\": {" + member + "}");
            };
        }

        private String machine(String member) {
            return "\"machine-config\": {\"vcpu_count\": 2, \"mem_size_mib\": 256"
                    + (member.isEmpty() ? "" : ", " + member) + "}";
        }

        /** The key path errors give for {@code key} here; for "" the object's own. */
        String path(String key) {
            String object = switch (this) {
                case TOP -> "";
                case MACHINE -> "machine-config";
                case DRIVE -> "drives[0]";
                case NETWORK_INTERFACE -> "network-interfaces[0]";
                case ENTROPY -> "entropy";
                case LOGGER -> "logger";
            };
            if (key.isEmpty()) return object.isEmpty() ? "top level" : object;
            return object.isEmpty() ? key : object + "." + key;
        }
    }

    private VmConfig parse(String json) throws ConfigException {
        return ConfigLoader.parse(json, dir);
    }

    /**
     * What Firecracker's {@code GET /vm/config} returns for a VM with one root drive and nothing else (every section,
     * every key of the drive and machine at its default), as its integration tests expect it
     * ({@code test_get_full_config}, {@code test_config_start_with_api}).
     */
    @Test
    void firecrackerVmConfigOutputLoads() throws Exception {
        String json = """
                {
                  "balloon": null,
                  "drives": [
                    {
                      "drive_id": "rootfs",
                      "partuuid": null,
                      "is_root_device": true,
                      "cache_type": "Unsafe",
                      "is_read_only": false,
                      "path_on_host": "rootfs.ext4",
                      "rate_limiter": null,
                      "io_engine": "Sync",
                      "socket": null
                    }
                  ],
                  "boot-source": {
                    "kernel_image_path": "vmlinux",
                    "initrd_path": null,
                    "boot_args": "console=ttyS0 reboot=k panic=1"
                  },
                  "cpu-config": null,
                  "logger": null,
                  "machine-config": {
                    "vcpu_count": 2,
                    "mem_size_mib": 256,
                    "smt": false,
                    "track_dirty_pages": false,
                    "huge_pages": "None"
                  },
                  "metrics": null,
                  "mmds-config": null,
                  "network-interfaces": [],
                  "vsock": null,
                  "entropy": null,
                  "pmem": [],
                  "memory-hotplug": null
                }
                """;
        VmConfig config = parse(json);
        Path abs = dir.toAbsolutePath().normalize();
        assertEquals(new BootSource(abs.resolve("vmlinux"), "console=ttyS0 reboot=k panic=1", null),
                config.bootSource());
        assertEquals(new MachineSpec(2, 256, false, false), config.machine());
        assertEquals(List.of(new DriveConfig("rootfs", abs.resolve("rootfs.ext4"), true, false, null, false,
                "rootfs", false)), config.drives());
        assertNull(config.entropy());
        assertNull(config.cpuConfig());
    }

    /** As Firecracker: no {@code machine-config}, or null, is its default machine of 1 vCPU and 128 MiB. */
    @ParameterizedTest
    @MethodSource
    void machineConfigDefaultsToFirecrackers(String json) throws Exception {
        assertEquals(new MachineSpec(1, 128, false, false), parse(json).machine());
    }

    static Stream<String> machineConfigDefaultsToFirecrackers() {
        return Stream.of("{" + MINIMAL_BOOT + "}", "{" + MINIMAL_BOOT + ", \"machine-config\": null}");
    }

    /** Each key at a value that asks for nothing loads to the same VM as without the key. */
    @ParameterizedTest(name = "{0} {1}: {2}")
    @MethodSource
    void defaultValueAccepted(Where where, String key, String value) throws Exception {
        assertEquals(parse(where.config("")), parse(where.config("\"" + key + "\": " + value)));
    }

    static Stream<Arguments> defaultValueAccepted() {
        String disabledBucket = "{\"size\": 0, \"one_time_burst\": null, \"refill_time\": 100}";
        return Stream.of(
                Arguments.of(Where.MACHINE, "smt", "false"),
                Arguments.of(Where.MACHINE, "cpu_template", "\"None\""),
                Arguments.of(Where.MACHINE, "cpu_template", "null"),
                Arguments.of(Where.MACHINE, "huge_pages", "\"None\""),
                Arguments.of(Where.MACHINE, "gdb_socket_path", "null"),
                Arguments.of(Where.DRIVE, "partuuid", "null"),
                Arguments.of(Where.DRIVE, "cache_type", "\"Unsafe\""),
                Arguments.of(Where.DRIVE, "is_read_only", "false"),
                Arguments.of(Where.DRIVE, "io_engine", "\"Sync\""),
                Arguments.of(Where.DRIVE, "io_engine", "null"),
                Arguments.of(Where.DRIVE, "socket", "null"),
                Arguments.of(Where.DRIVE, "rate_limiter", "null"),
                Arguments.of(Where.DRIVE, "rate_limiter", "{}"),
                Arguments.of(Where.DRIVE, "rate_limiter", "{\"bandwidth\": null, \"ops\": null}"),
                Arguments.of(Where.DRIVE, "rate_limiter", "{\"bandwidth\": " + disabledBucket + "}"),
                Arguments.of(Where.DRIVE, "rate_limiter", "{\"ops\": {\"size\": 100, \"refill_time\": 0}}"),
                Arguments.of(Where.ENTROPY, "rate_limiter", "{\"bandwidth\": null, \"ops\": " + disabledBucket + "}"),
                Arguments.of(Where.NETWORK_INTERFACE, "rx_rate_limiter", "null"),
                Arguments.of(Where.NETWORK_INTERFACE, "rx_rate_limiter", "{}"),
                Arguments.of(Where.NETWORK_INTERFACE, "tx_rate_limiter", "{\"bandwidth\": " + disabledBucket
                        + ", \"ops\": null}"),
                Arguments.of(Where.NETWORK_INTERFACE, "mtu", "null"),
                Arguments.of(Where.TOP, "cpu-config", "null"),
                Arguments.of(Where.TOP, "entropy", "null"),
                Arguments.of(Where.TOP, "network-interfaces", "[]"),
                Arguments.of(Where.TOP, "network-interfaces", "null"),
                Arguments.of(Where.TOP, "pmem", "[]"),
                Arguments.of(Where.TOP, "vsock", "null"),
                Arguments.of(Where.TOP, "balloon", "null"),
                Arguments.of(Where.TOP, "metrics", "null"),
                Arguments.of(Where.TOP, "mmds-config", "null"),
                Arguments.of(Where.TOP, "memory-hotplug", "null"),
                Arguments.of(Where.TOP, "memory-hotplug", "{}"),
                Arguments.of(Where.TOP, "logger", "null"),
                Arguments.of(Where.TOP, "logger", "{}"),
                Arguments.of(Where.TOP, "logger", "{\"log_path\": null, \"level\": \"Info\", \"show_level\": false,"
                        + " \"show_log_origin\": false, \"module\": null}"),
                Arguments.of(Where.LOGGER, "level", "\"info\""),
                Arguments.of(Where.LOGGER, "level", "\"INFO\""));
    }

    /**
     * Refused in one line naming the key: each unimplemented key at a value that asks for something (as
     * unsupported), values that are not Firecracker's at all (as such), and keys Firecracker does not know either.
     */
    @ParameterizedTest(name = "{0} {1}: {2}")
    @MethodSource({"unsupportedValues", "invalidValues", "unknownKeys"})
    void refused(Where where, String key, String value, String errorKey, String problem) {
        String path = where.path(errorKey);
        String msg = assertErrorFrom(() -> parse(where.config("\"" + key + "\": " + value)), path + ": ", problem);
        assertEquals(path + ": " + problem, msg);
    }

    static Stream<Arguments> unsupportedValues() {
        String notYet = " not supported by this kvmj version yet (got ";
        String bucketHint = "; use null, or size or refill_time 0)";
        return Stream.of(
                Arguments.of(Where.MACHINE, "cpu_template", "\"T2\"", "cpu_template",
                        "static CPU templates are" + notYet + "string \"T2\"; use \"None\" or omit the key)"),
                Arguments.of(Where.MACHINE, "huge_pages", "\"2M\"", "huge_pages",
                        "huge pages are" + notYet + "string \"2M\"; use \"None\" or omit the key)"),
                Arguments.of(Where.MACHINE, "huge_pages", "\"Transparent\"", "huge_pages",
                        "huge pages are" + notYet + "string \"Transparent\"; use \"None\" or omit the key)"),
                Arguments.of(Where.MACHINE, "gdb_socket_path", "\"/tmp/gdb.sock\"", "gdb_socket_path",
                        "a GDB server is" + notYet + "string \"/tmp/gdb.sock\"; use null or omit the key)"),
                Arguments.of(Where.DRIVE, "io_engine", "\"Async\"", "io_engine", "asynchronous I/O (io_uring) is"
                        + notYet + "string \"Async\"; use \"Sync\" or omit the key)"),
                Arguments.of(Where.DRIVE, "socket", "\"/tmp/x.sock\"", "socket", "vhost-user block devices are"
                        + notYet + "string \"/tmp/x.sock\"; use null or omit the key)"),
                Arguments.of(Where.DRIVE, "rate_limiter",
                        "{\"bandwidth\": {\"size\": 1000, \"one_time_burst\": null, \"refill_time\": 100}}",
                        "rate_limiter.bandwidth", "I/O rate limits are" + notYet + "size 1000, refill_time 100"
                                + bucketHint),
                Arguments.of(Where.DRIVE, "rate_limiter", "{\"ops\": {\"size\": 10, \"refill_time\": 1000}}",
                        "rate_limiter.ops", "I/O rate limits are" + notYet + "size 10, refill_time 1000" + bucketHint),
                Arguments.of(Where.ENTROPY, "rate_limiter", "{\"bandwidth\": {\"size\": 1, \"refill_time\": 1}}",
                        "rate_limiter.bandwidth",
                        "I/O rate limits are" + notYet + "size 1, refill_time 1" + bucketHint),
                Arguments.of(Where.NETWORK_INTERFACE, "rx_rate_limiter",
                        "{\"bandwidth\": {\"size\": 1000, \"refill_time\": 100}}", "rx_rate_limiter.bandwidth",
                        "I/O rate limits are" + notYet + "size 1000, refill_time 100" + bucketHint),
                Arguments.of(Where.NETWORK_INTERFACE, "tx_rate_limiter",
                        "{\"ops\": {\"size\": 10, \"one_time_burst\": 5, \"refill_time\": 1000}}",
                        "tx_rate_limiter.ops", "I/O rate limits are" + notYet + "size 10, refill_time 1000"
                                + bucketHint),
                Arguments.of(Where.TOP, "pmem", "[{\"id\": \"pmem0\", \"path_on_host\": \"rootfs.ext4\"}]",
                        "pmem",
                        "virtio-pmem devices are" + notYet + "an array of 1; use [] or omit the key)"),
                // any balloon object makes a balloon device in Firecracker, even one of 0 MiB
                Arguments.of(Where.TOP, "balloon", "{\"amount_mib\": 0, \"deflate_on_oom\": false}", "balloon",
                        "memory balloon devices are" + notYet + "object; use null, {} or omit the key)"),
                Arguments.of(Where.TOP, "metrics", "{\"metrics_path\": \"/tmp/metrics\"}", "metrics",
                        "Firecracker's metrics are" + notYet + "object; use null, {} or omit the key)"),
                Arguments.of(Where.TOP, "mmds-config", "{\"network_interfaces\": [\"eth0\"]}", "mmds-config",
                        "the microVM metadata service (MMDS) is" + notYet + "object; use null, {} or omit the key)"),
                Arguments.of(Where.TOP, "memory-hotplug", "{\"total_size_mib\": 1024}", "memory-hotplug",
                        "memory hotplug (virtio-mem) is" + notYet + "object; use null, {} or omit the key)"),
                Arguments.of(Where.LOGGER, "log_path", "\"/tmp/fc.log\"", "log_path",
                        "Firecracker's logger settings are" + notYet + "string \"/tmp/fc.log\"; use null or omit"
                                + " the key)"),
                Arguments.of(Where.LOGGER, "level", "\"Debug\"", "level",
                        "Firecracker's logger settings are" + notYet + "string \"Debug\"; use \"Info\" or omit"
                                + " the key)"),
                Arguments.of(Where.LOGGER, "show_level", "true", "show_level",
                        "Firecracker's logger settings are" + notYet + "boolean true; use false or omit the key)"),
                Arguments.of(Where.LOGGER, "show_log_origin", "true", "show_log_origin",
                        "Firecracker's logger settings are" + notYet + "boolean true; use false or omit the key)"),
                Arguments.of(Where.LOGGER, "module", "\"api_server\"", "module",
                        "Firecracker's logger settings are" + notYet + "string \"api_server\"; use null or omit"
                                + " the key)"));
    }

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                Arguments.of(Where.MACHINE, "smt", "1", "smt", "expected a boolean (true or false), got integer 1"),
                // Firecracker's enums are case-sensitive, but for the logger level
                Arguments.of(Where.MACHINE, "cpu_template", "\"none\"", "cpu_template", "expected \"None\", \"C3\","
                        + " \"T2\", \"T2S\", \"T2CL\", \"T2A\" or \"V1N1\", got string \"none\""),
                Arguments.of(Where.MACHINE, "huge_pages", "\"1G\"", "huge_pages",
                        "expected \"None\", \"Transparent\" or \"2M\", got string \"1G\""),
                Arguments.of(Where.MACHINE, "huge_pages", "false", "huge_pages",
                        "expected a string, got boolean false"),
                Arguments.of(Where.DRIVE, "io_engine", "\"Uring\"", "io_engine",
                        "expected \"Sync\" or \"Async\", got string \"Uring\""),
                Arguments.of(Where.DRIVE, "rate_limiter", "{\"bandwidth\": {\"size\": -1, \"refill_time\": 0}}",
                        "rate_limiter.bandwidth.size", "must be at least 0 (got -1)"),
                Arguments.of(Where.DRIVE, "rate_limiter", "{\"ops\": {\"size\": 0}}",
                        "rate_limiter.ops.refill_time", "required key missing"),
                Arguments.of(Where.DRIVE, "rate_limiter", "[]", "rate_limiter", "expected an object, got array"),
                Arguments.of(Where.TOP, "network-interfaces", "{}", "network-interfaces",
                        "expected an array, got object"),
                Arguments.of(Where.TOP, "logger", "[]", "logger", "expected an object, got array"),
                Arguments.of(Where.LOGGER, "level", "\"verbose\"", "level", "expected \"Info\", \"Error\","
                        + " \"Warning\", \"Warn\", \"Debug\", \"Trace\" or \"Off\", got string \"verbose\""));
    }

    static Stream<Arguments> unknownKeys() {
        return Stream.of(
                Arguments.of(Where.TOP, "network_interfaces", "[]", "", "unknown key \"network_interfaces\" (known:"
                        + " boot-source, machine-config, debug-exit, serial, drives, network-interfaces, entropy, vsock,"
                        + " acpi, cpu-config, on-reset, balloon, logger, metrics, mmds-config, pmem, memory-hotplug)"),
                // Firecracker removed it in 1.0 (mmds-config.network_interfaces replaced it)
                Arguments.of(Where.NETWORK_INTERFACE, "allow_mmds_requests", "false", "", "unknown key"
                        + " \"allow_mmds_requests\" (known: iface_id, host_dev_name, guest_mac, mtu, rx_rate_limiter,"
                        + " tx_rate_limiter)"),
                Arguments.of(Where.MACHINE, "hugepages", "\"None\"", "", "unknown key \"hugepages\" (known:"
                        + " vcpu_count, mem_size_mib, smt, track_dirty_pages, cpu_template, huge_pages,"
                        + " gdb_socket_path)"),
                Arguments.of(Where.DRIVE, "vhost_socket", "null", "", "unknown key \"vhost_socket\" (known: drive_id,"
                        + " path_on_host, is_root_device, is_read_only, partuuid, cache_type, io_engine, rate_limiter,"
                        + " socket, serial, direct_io)"),
                Arguments.of(Where.LOGGER, "log_level", "\"Info\"", "", "unknown key \"log_level\" (known: log_path,"
                        + " level, show_level, show_log_origin, module)"),
                Arguments.of(Where.ENTROPY, "rate_limiter", "{\"bytes\": null}", "rate_limiter",
                        "unknown key \"bytes\" (known: bandwidth, ops)"),
                Arguments.of(Where.DRIVE, "rate_limiter",
                        "{\"ops\": {\"size\": 0, \"refill_time\": 0, \"burst\": 1}}",
                        "rate_limiter.ops", "unknown key \"burst\" (known: size, refill_time, one_time_burst)"));
    }
}
