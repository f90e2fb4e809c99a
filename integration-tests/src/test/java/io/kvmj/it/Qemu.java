package io.kvmj.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a test guest under QEMU's microvm machine, the reference implementation: a guest that fails here is
 * wrong; one that passes here but not on kvmj shows a kvmj bug. CX16 and XSAVE are hidden because this
 * project's hosts cannot emulate them at guest CPL0 (see shared/docs/host-kvm.md).
 */
final class Qemu {
    private Qemu() {
    }

    static GuestRun run(Path guest, String cmdline, long memMib, int cpus) throws IOException, InterruptedException {
        return run(guest, cmdline, memMib, cpus, false, List.of());
    }

    /**
     * With {@code acpi} QEMU's microvm describes its devices in ACPI tables; without, it lists virtio devices
     * on the command line. {@code deviceArgs} are extra QEMU arguments (drives, devices); virtio-mmio is
     * switched to the modern (version 2) interface, the one kvmj implements.
     */
    static GuestRun run(Path guest, String cmdline, long memMib, int cpus, boolean acpi, List<String> deviceArgs)
            throws IOException, InterruptedException {
        Environment.requireKvm(); // -accel kvm
        List<String> command = new ArrayList<>(List.of(Environment.qemu().toString(),
                "-M", acpi ? "microvm,acpi=on" : "microvm,acpi=off", "-accel", "kvm",
                "-cpu", "host,-cx16,-xsave,-arch-capabilities",
                "-m", memMib + "M", "-smp", Integer.toString(cpus),
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                "-global", "virtio-mmio.force-legacy=false",
                "-kernel", guest.toString(), "-append", cmdline));
        command.addAll(deviceArgs);
        return Processes.run(command, Kvmj.TIMEOUT);
    }
}
