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
        List<String> command = new ArrayList<>(List.of(Environment.qemu().toString(),
                "-M", "microvm,acpi=off", "-accel", "kvm", "-cpu", "host,-cx16,-xsave,-arch-capabilities",
                "-m", memMib + "M", "-smp", Integer.toString(cpus),
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                "-kernel", guest.toString(), "-append", cmdline));
        return Processes.run(command, Kvmj.TIMEOUT);
    }
}
