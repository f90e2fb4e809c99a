package io.kvmj.it.linux;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference machine: QEMU's {@code microvm} with ACPI (its DSDT lists the virtio-mmio devices, as kvmj's
 * does), virtio-mmio in its modern (version 2) form, the one kvmj implements, the host's CPU ({@link #cpu}), and
 * no reboot (a guest reset ends QEMU with status 0, as it ends kvmj) unless the machine restarts on reset.
 */
final class QemuMicrovm {
    private QemuMicrovm() {
    }

    /** The command line that boots {@code machine} with {@code initrd} on {@code qemu}, console on stdio. */
    static List<String> command(Path qemu, LinuxMachine machine, Path initrd) {
        List<String> command = new ArrayList<>(List.of(qemu.toString(),
                "-M", "microvm,acpi=on", "-accel", "kvm", "-cpu", cpu(machine),
                "-m", machine.memMib() + "M", "-smp", smp(machine),
                "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
                "-global", "virtio-mmio.force-legacy=false",
                "-kernel", machine.kernel().toString(), "-initrd", initrd.toString(),
                "-append", cmdline(machine)));
        if (!machine.restartOnReset()) {
            command.add("-no-reboot");
        }
        int n = 0;
        for (Drive d : machine.attachOrder()) {
            String id = "d" + n++;
            command.addAll(List.of(
                    "-drive", "id=" + id + ",file=" + option(d.path().toString()) + ",format=raw,if=none"
                            // kvmj punches a hole for a discard; QEMU ignores discards unless told to unmap
                            + (d.readOnly() ? ",readonly=on" : ",discard=unmap"),
                    "-device", "virtio-blk-device,drive=" + id + ",serial=" + option(d.serial())));
        }
        if (machine.entropy()) {
            command.addAll(List.of("-device", "virtio-rng-device"));
        }
        if (machine.vsock() != null) {
            // vhost: the host kernel's vhost_vsock module carries the streams (/dev/vhost-vsock)
            command.addAll(List.of("-device", "vhost-vsock-device,guest-cid=" + machine.vsock().guestCid()));
        }
        if (machine.net() != null) {
            // the same TAP, attached as kvmj attaches it; no vhost-net, like kvmj a user-space device
            command.addAll(List.of("-netdev", "tap,id=n0,ifname=" + option(machine.net().tap())
                            + ",script=no,downscript=no,vhost=off",
                    "-device", "virtio-net-device,netdev=n0,mac=" + machine.net().guestMac()
                            + (machine.net().mtu() == 0 ? "" : ",host_mtu=" + machine.net().mtu())));
        }
        return command;
    }

    /**
     * The command line with Firecracker's {@code root=/dev/vda rw|ro} for a root drive, which kvmj adds itself,
     * unless the given one names a root already: both VMMs then hand the guest the same parameters.
     */
    static String cmdline(LinuxMachine machine) {
        Drive root = machine.drives().stream().filter(Drive::root).findFirst().orElse(null);
        boolean hasRoot = List.of(machine.cmdline().trim().split("\\s+")).stream().anyMatch(w -> w.startsWith("root="));
        if (root == null || hasRoot) {
            return machine.cmdline();
        }
        return (machine.cmdline().strip() + " root=/dev/vda " + (root.readOnly() ? "ro" : "rw")).strip();
    }

    /**
     * The host's CPU; with SMT also AMD's TopologyExtensions, which kvmj sets too: without it QEMU's AMD guests
     * get no threads ("This family of AMD CPU doesn't support hyperthreading(2)", measured in the nested
     * machine's EPYC-Rome). On Intel hosts QEMU drops the flag with a warning.
     */
    static String cpu(LinuxMachine machine) {
        return machine.smt() && machine.cpus() > 1 ? "host,+topoext" : "host";
    }

    /** kvmj's (and Firecracker's) layout: one socket, two threads per core with SMT, else one. */
    static String smp(LinuxMachine machine) {
        int threads = machine.smt() && machine.cpus() > 1 ? 2 : 1;
        return machine.cpus() + ",sockets=1,cores=" + machine.cpus() / threads + ",threads=" + threads;
    }

    /** A value inside a QEMU option list: commas are doubled there. */
    private static String option(String value) {
        return value.replace(",", ",,");
    }
}
