package io.kvmj.cli;

import io.kvmj.config.DriveConfig;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Firecracker's root-device convention: the drive marked {@code is_root_device} is attached first (so Linux
 * names it /dev/vda) and the kernel command line gets {@code root=/dev/vda rw} (or {@code ro}, or
 * {@code root=PARTUUID=...} when a partuuid is given), unless the user's boot_args already choose a root.
 */
final class RootDrive {
    private RootDrive() {
    }

    /** The drives in attach order: the root drive first, the others as listed. */
    static List<DriveConfig> attachOrder(List<DriveConfig> drives) {
        List<DriveConfig> ordered = new ArrayList<>(drives);
        ordered.sort(Comparator.comparing(d -> !d.rootDevice())); // stable: keeps the listed order otherwise
        return ordered;
    }

    /** {@code bootArgs} plus the root= parameter the root drive implies. */
    static String bootArgs(String bootArgs, List<DriveConfig> drives) {
        DriveConfig root = drives.stream().filter(DriveConfig::rootDevice).findFirst().orElse(null);
        if (root == null || hasRootParameter(bootArgs)) {
            return bootArgs;
        }
        String device = root.partuuid() != null && !root.partuuid().isEmpty()
                ? "root=PARTUUID=" + root.partuuid() : "root=/dev/vda";
        String args = device + (root.readOnly() ? " ro" : " rw");
        return bootArgs.isBlank() ? args : bootArgs.strip() + " " + args;
    }

    private static boolean hasRootParameter(String bootArgs) {
        for (String word : bootArgs.trim().split("\\s+")) {
            if (word.startsWith("root=")) {
                return true;
            }
        }
        return false;
    }
}
