package io.kvmj.it.linux;

import io.kvmj.it.Environment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network namespace of a test's own with one TAP in it, the host's end of a guest's virtio-net: nothing a test
 * does reaches the host's real interfaces, and deleting the namespace removes the TAP (and any address, route or
 * process socket left in it). Needs root and iproute2; the test fails (or skips outside CI) without them.
 */
public final class NetNamespace implements AutoCloseable {
    private static final Path IP = Path.of("/usr/sbin/ip");
    private static final AtomicInteger COUNT = new AtomicInteger();

    private final String name;
    private final String tap;

    /**
     * Creates namespace {@code kvmj-<pid>-<n>} with its loopback up and a TAP {@code tap0} (persistent, so a VMM can
     * attach to it by name) holding {@code hostAddress} (CIDR, e.g. 10.0.2.1/24), up, with MTU {@code mtu}.
     */
    public static NetNamespace create(String hostAddress, int mtu) throws IOException, InterruptedException {
        Environment.require(Files.isExecutable(IP), "iproute2's " + IP + " (apt-get install iproute2)");
        Environment.require(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun (modprobe tun)");
        String name = "kvmj-" + ProcessHandle.current().pid() + "-" + COUNT.incrementAndGet();
        HostCommand.check(List.of(IP.toString(), "netns", "add", name));
        NetNamespace ns = new NetNamespace(name, "tap0");
        try {
            ns.ip("link", "set", "lo", "up");
            ns.ip("tuntap", "add", "dev", ns.tap, "mode", "tap");
            ns.ip("link", "set", ns.tap, "mtu", Integer.toString(mtu));
            ns.ip("addr", "add", hostAddress, "dev", ns.tap);
            ns.ip("link", "set", ns.tap, "up");
        } catch (IOException | RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    private NetNamespace(String name, String tap) {
        this.name = name;
        this.tap = tap;
    }

    public String name() {
        return name;
    }

    public String tap() {
        return tap;
    }

    /** The prefix that runs a command in namespace {@code name}. */
    static List<String> exec(String name) {
        return List.of(IP.toString(), "netns", "exec", name);
    }

    /** {@code command} to run in this namespace. */
    public List<String> command(String... command) {
        List<String> all = new ArrayList<>(exec(name));
        all.addAll(List.of(command));
        return all;
    }

    /** Runs {@code ip -n <name> args...}; a failure is an {@link IOException} with its message. */
    public String ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(IP.toString(), "-n", name));
        command.addAll(List.of(args));
        return HostCommand.check(command);
    }

    @Override
    public void close() throws IOException {
        try {
            HostCommand.check(List.of(IP.toString(), "netns", "delete", name));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted deleting network namespace " + name, e);
        }
    }
}
