package io.kvmj.virtio.net;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace of its own for a test (iproute2's {@code ip netns}), deleted on close. Needs root:
 * a host where it cannot be created fails the test with the command's own message.
 */
final class NetNamespace implements AutoCloseable {
    final String name = uniqueName();

    NetNamespace() {
        run("ip", "netns", "add", name);
    }

    /** A name no other test run uses: "kvmjt" and 24 random bits in hex, within IFNAMSIZ for interfaces too. */
    static String uniqueName() {
        return "kvmjt" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
    }

    /** Runs a host command; a failure is an AssertionError carrying its output. */
    static void run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + ": no answer within 5 s");
            }
            String output = new String(p.getInputStream().readAllBytes()).strip();
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + output
                        + " -- these tests need root, iproute2 and /dev/net/tun");
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + List.of(command) + ": " + e.getMessage()
                    + " -- these tests need iproute2", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + List.of(command), e);
        }
    }

    /** Moves interface {@code tap} of this process's namespace in here, with {@code address} (CIDR), and up. */
    void adopt(String tap, String address) {
        run("ip", "link", "set", tap, "netns", name);
        run("ip", "-n", name, "addr", "add", address, "dev", tap);
        run("ip", "-n", name, "link", "set", tap, "up");
    }

    @Override
    public void close() {
        run("ip", "netns", "delete", name);
    }
}
