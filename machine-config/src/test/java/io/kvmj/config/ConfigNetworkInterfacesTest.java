package io.kvmj.config;

import static io.kvmj.config.ConfigAssertions.assertErrorFrom;
import static io.kvmj.config.ConfigAssertions.createKernel;
import static io.kvmj.config.ConfigAssertions.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Firecracker's {@code network-interfaces} section: binding, checks and the written-back form. Its rate limiters and
 * {@code mtu}, accepted only when they ask for nothing, are covered with the other such keys in
 * {@link ConfigFirecrackerKeysTest}.
 */
class ConfigNetworkInterfacesTest {
    @TempDir
    Path dir;

    @BeforeEach
    void kernel() throws IOException {
        createKernel(dir);
    }

    /** A minimal config whose {@code network-interfaces} has one object per body. */
    private static String nics(String... bodies) {
        return minimalWith(", \"network-interfaces\": ["
                + Stream.of(bodies).map(b -> "{" + b + "}").collect(Collectors.joining(", ")) + "]");
    }

    private static String nic(String ifaceId, String hostDevName) {
        return "\"iface_id\": \"" + ifaceId + "\", \"host_dev_name\": \"" + hostDevName + "\"";
    }

    private static NetworkInterfaceConfig config(String ifaceId, String hostDevName, String guestMac) {
        return new NetworkInterfaceConfig(ifaceId, hostDevName, guestMac == null ? null : MacAddress.parse(guestMac));
    }

    private VmConfig parse(String json) throws ConfigException {
        return ConfigLoader.parse(json, dir);
    }

    /** The config-file snippet of Firecracker's docs/network-setup.md. */
    @Test
    void firecrackerNetworkSetupExampleLoads() throws Exception {
        VmConfig config = parse(minimalWith("""
                ,
                "network-interfaces": [
                  {
                    "iface_id": "my_network0",
                    "guest_mac": "06:00:AC:10:00:02",
                    "host_dev_name": "tap0"
                  }
                ]
                """));
        assertEquals(List.of(config("my_network0", "tap0", "06:00:ac:10:00:02")), config.networkInterfaces());
    }

    /** As Firecracker's test configs (tests/framework/vm_config_network.json) write an interface. */
    @Test
    void firecrackerTestConfigInterfaceLoads() throws Exception {
        VmConfig config = parse(nics(nic("eth0", "tap0") + ", \"guest_mac\": \"06:00:c0:a8:00:02\","
                + " \"rx_rate_limiter\": null, \"tx_rate_limiter\": null"));
        assertEquals(List.of(config("eth0", "tap0", "06:00:c0:a8:00:02")), config.networkInterfaces());
    }

    @Test
    void severalInterfacesKeepTheirOrderAndTheMacIsOptional() throws Exception {
        VmConfig config = parse(nics(nic("eth0", "tap0") + ", \"guest_mac\": \"AA:FC:00:00:00:01\"",
                nic("eth1", "fc-tap.1_x"), nic("eth2", "t") + ", \"guest_mac\": null"));
        assertEquals(List.of(config("eth0", "tap0", "aa:fc:00:00:00:01"), config("eth1", "fc-tap.1_x", null),
                config("eth2", "t", null)), config.networkInterfaces());
    }

    @Test
    void noSectionIsNoInterfaces() throws Exception {
        assertEquals(List.of(), parse(minimalWith("")).networkInterfaces());
    }

    @Test
    void asManyInterfacesAsTheMachineHasInterruptLines() throws Exception {
        int most = ConfigLimits.MAX_NETWORK_INTERFACES;
        assertEquals(most, parse(nics(IntStream.range(0, most).mapToObj(i -> nic("eth" + i, "tap" + i))
                .toArray(String[]::new))).networkInterfaces().size());
        String json = nics(IntStream.rangeClosed(0, most).mapToObj(i -> nic("eth" + i, "tap" + i))
                .toArray(String[]::new));
        assertRefused(json, "network-interfaces: too many: 20 (at most 19, one virtio-mmio interrupt line each)");
    }

    @Test
    void fifteenByteTapNameIsTheLongest() throws Exception {
        String name = "t".repeat(ConfigLimits.MAX_HOST_DEV_NAME_BYTES);
        assertEquals(name, parse(nics(nic("eth0", name))).networkInterfaces().getFirst().hostDevName());
    }

    /** Firecracker 1.16's {@code mtu}: the device's MTU advice, from Ethernet's minimum to 65535; none when absent. */
    @Test
    void mtuAdviceFromEthernetsMinimumTo65535() throws Exception {
        assertEquals(List.of(ConfigLimits.MIN_MTU, ConfigLimits.MAX_MTU, 9000, NetworkInterfaceConfig.NO_MTU,
                        NetworkInterfaceConfig.NO_MTU),
                parse(nics(nic("eth0", "tap0") + ", \"mtu\": 68", nic("eth1", "tap1") + ", \"mtu\": 65535",
                        nic("eth2", "tap2") + ", \"mtu\": 9000", nic("eth3", "tap3") + ", \"mtu\": null",
                        nic("eth4", "tap4"))).networkInterfaces().stream().map(NetworkInterfaceConfig::mtu).toList());
    }

    @Test
    void writtenBackInFirecrackersFormAndReadToTheSameConfig() throws Exception {
        VmConfig config = parse(nics(nic("eth0", "tap0") + ", \"guest_mac\": \"AA:FC:00:00:00:01\", \"mtu\": 9000",
                nic("eth1", "tap1")));
        String json = ConfigLoader.toJson(config);
        assertTrue(json.contains("""
                  "network-interfaces" : [ {
                    "iface_id" : "eth0",
                    "host_dev_name" : "tap0",
                    "guest_mac" : "aa:fc:00:00:00:01",
                    "mtu" : 9000
                  }, {
                    "iface_id" : "eth1",
                    "host_dev_name" : "tap1"
                  } ],
                """), json);
        assertEquals(config, ConfigLoader.parse(json, Path.of("/")));
    }

    @Test
    void noInterfacesWriteNoSection() throws Exception {
        assertFalse(ConfigLoader.toJson(parse(minimalWith(""))).contains("network-interfaces"));
    }

    /** A config assembled in code gets the same checks as a file. */
    @Test
    void configFromCodeIsChecked() {
        VmConfig raw = new VmConfig(new BootSource(Path.of("vmlinux"), null, null), new MachineSpec(1, 64, false,
                false), null, null, List.of(), null, true, null, false, null,
                List.of(new NetworkInterfaceConfig(null, "tap0", null)));
        String msg = assertErrorFrom(() -> ConfigLoader.validate(raw, dir), "", "");
        assertEquals("network-interfaces[0].iface_id: required key missing", msg);
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource
    void refused(String json, String message) {
        assertRefused(json, message);
    }

    static Stream<Arguments> refused() {
        String first = "network-interfaces[0].";
        String second = "network-interfaces[1].";
        String charRule = "only printable ASCII without spaces, \"/\" or \":\" is allowed in a Linux interface name";
        return Stream.of(
                Arguments.of(nics("\"host_dev_name\": \"tap0\""), first + "iface_id: required key missing"),
                Arguments.of(nics(nic("", "tap0")), first + "iface_id: must not be empty"),
                Arguments.of(nics("\"iface_id\": 0, \"host_dev_name\": \"tap0\""),
                        first + "iface_id: expected a string, got integer 0"),
                Arguments.of(nics(nic("eth0", "tap0"), nic("eth0", "tap1")),
                        second + "iface_id: duplicate iface_id \"eth0\" (also network-interfaces[0])"),
                Arguments.of(nics("\"iface_id\": \"eth0\""), first + "host_dev_name: required key missing"),
                Arguments.of(nics(nic("eth0", "")), first + "host_dev_name: must not be empty"),
                Arguments.of(nics(nic("eth0", "t".repeat(16))), first
                        + "host_dev_name: too long: 16 bytes (at most 15; Linux IFNAMSIZ is 16 including the NUL)"),
                Arguments.of(nics(nic("eth0", "net/tap0")),
                        first + "host_dev_name: " + charRule + " (found U+002F at index 3)"),
                Arguments.of(nics(nic("eth0", "tap0:1")),
                        first + "host_dev_name: " + charRule + " (found U+003A at index 4)"),
                Arguments.of(nics(nic("eth0", "tap 0")),
                        first + "host_dev_name: " + charRule + " (found U+0020 at index 3)"),
                Arguments.of(nics(nic("eth0", "tap\\t0")),
                        first + "host_dev_name: " + charRule + " (found U+0009 at index 3)"),
                Arguments.of(nics(nic("eth0", "tàp0")),
                        first + "host_dev_name: " + charRule + " (found U+00E0 at index 1)"),
                Arguments.of(nics(nic("eth0", "..")), first + "host_dev_name: must not be \".\" or \"..\" (Linux"
                        + " refuses them: interface names are directory names in /sys/class/net)"),
                Arguments.of(nics(nic("eth0", "tap0"), nic("eth1", "tap0")), second + "host_dev_name: duplicate"
                        + " host_dev_name \"tap0\" (also network-interfaces[0]; a single-queue TAP device serves one"
                        + " interface)"),
                Arguments.of(nics(nic("eth0", "tap0") + ", \"guest_mac\": \"06-00-ac-10-00-02\""),
                        first + "guest_mac: expected a MAC address, six hex pairs separated by \":\" such as"
                                + " \"06:00:ac:10:00:02\", got \"06-00-ac-10-00-02\""),
                Arguments.of(nics(nic("eth0", "tap0") + ", \"guest_mac\": \"06:00:ac:10:00\""),
                        first + "guest_mac: expected a MAC address, six hex pairs separated by \":\" such as"
                                + " \"06:00:ac:10:00:02\", got \"06:00:ac:10:00\""),
                Arguments.of(nics(nic("eth0", "tap0") + ", \"guest_mac\": 6"),
                        first + "guest_mac: expected a string, got integer 6"),
                Arguments.of(nics(nic("eth0", "tap0") + ", \"guest_mac\": \"01:00:5E:00:00:01\""),
                        first + "guest_mac: must be a unicast address (got multicast 01:00:5e:00:00:01: the low bit"
                                + " of the first octet is set)"),
                Arguments.of(nics(nic("eth0", "tap0") + ", \"guest_mac\": \"ff:ff:ff:ff:ff:ff\""),
                        first + "guest_mac: must be a unicast address (got multicast ff:ff:ff:ff:ff:ff: the low bit"
                                + " of the first octet is set)"),
                Arguments.of(nics(nic("eth0", "tap0") + ", \"guest_mac\": \"00:00:00:00:00:00\""),
                        first + "guest_mac: must not be all zeros (got 00:00:00:00:00:00)"),
                // one address, whatever the case it is written in
                Arguments.of(nics(nic("eth0", "tap0") + ", \"guest_mac\": \"aa:fc:00:00:00:01\"",
                                nic("eth1", "tap1") + ", \"guest_mac\": \"AA:FC:00:00:00:01\""),
                        second + "guest_mac: duplicate guest_mac aa:fc:00:00:00:01 (also network-interfaces[0])"),
                Arguments.of(nics(nic("eth0", "tap0") + ", \"mtu\": 67"), first + "mtu: out of range: 67 (68 to"
                        + " 65535 bytes, or omit it for the guest's default)"),
                Arguments.of(nics(nic("eth0", "tap0") + ", \"mtu\": 65536"), first + "mtu: out of range: 65536 (68"
                        + " to 65535 bytes, or omit it for the guest's default)"),
                Arguments.of(nics(nic("eth0", "tap0") + ", \"mtu\": \"1500\""),
                        first + "mtu: expected an integer, got string \"1500\""),
                Arguments.of(minimalWith(", \"network-interfaces\": [null]"),
                        "network-interfaces[0]: must not be null"),
                Arguments.of(nics(nic("eth0", "tap0") + ", \"tap\": \"tap0\""), "network-interfaces[0]: unknown key"
                        + " \"tap\" (known: iface_id, host_dev_name, guest_mac, mtu, rx_rate_limiter,"
                        + " tx_rate_limiter)"));
    }

    private void assertRefused(String json, String message) {
        assertEquals(message, assertErrorFrom(() -> parse(json), "", ""));
    }
}
