package io.kvmj.it.linux;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The config file a user would write for kvmj: Firecracker's keys ({@code boot-source}, {@code machine-config},
 * {@code drives}, {@code entropy}, {@code vsock}, {@code network-interfaces}) plus kvmj's {@code serial} and {@code on-reset} sections and
 * per-drive {@code serial}. Written by
 * hand rather than through kvmj's own config classes, so that the test reads the file format, not the code.
 */
final class FirecrackerConfig {
    private FirecrackerConfig() {
    }

    /**
     * The JSON for {@code machine} booting with {@code initrd}; {@code stdinInput} makes the guest's console
     * read kvmj's stdin ({@code "input": "stdin"}), otherwise kvmj leaves its stdin alone.
     */
    static String json(LinuxMachine machine, Path initrd, boolean stdinInput) {
        List<String> drives = new ArrayList<>();
        for (Drive d : machine.drives()) {
            drives.add("""
                    {"drive_id": %s, "path_on_host": %s, "is_root_device": %b, "is_read_only": %b, "serial": %s}"""
                    .formatted(string(d.id()), string(d.path().toString()), d.root(), d.readOnly(), string(d.serial())));
        }
        return """
                {
                  "boot-source": {"kernel_image_path": %s, "initrd_path": %s, "boot_args": %s},
                  "machine-config": {"vcpu_count": %d, "mem_size_mib": %d, "smt": %b},
                  "drives": [%s],%s%s%s%s
                  "serial": {"output": "stdout", "input": %s}
                }
                """.formatted(string(machine.kernel().toString()), string(initrd.toString()), string(machine.cmdline()),
                machine.cpus(), machine.memMib(), machine.smt(), String.join(",\n    ", drives),
                machine.entropy() ? "\n  \"entropy\": {}," : "",
                machine.restartOnReset() ? "\n  \"on-reset\": \"restart\"," : "",
                machine.vsock() == null ? "" : "\n  \"vsock\": {\"guest_cid\": %d, \"uds_path\": %s},".formatted(
                        machine.vsock().guestCid(), string(machine.vsock().udsPath().toString())),
                machine.net() == null ? "" : ("\n  \"network-interfaces\": [{\"iface_id\": \"eth0\", "
                        + "\"host_dev_name\": %s, \"guest_mac\": %s%s}],").formatted(string(machine.net().tap()),
                        string(machine.net().guestMac()),
                        machine.net().mtu() == 0 ? "" : ", \"mtu\": " + machine.net().mtu()),
                stdinInput ? "\"stdin\"" : "\"none\"");
    }

    /** A JSON string literal (RFC 8259: quote, backslash and control characters escaped). */
    static String string(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u%04x".formatted((int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
