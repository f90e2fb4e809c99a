package io.kvmj.it.linux;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A machine that boots a Linux kernel with a job initramfs, the same on every VMM: memory, vCPUs, command line,
 * drives and an entropy device. Immutable; the {@code with...} methods return a changed copy.
 *
 * @param kernel    a bzImage or an ELF vmlinux with a PVH entry note
 * @param initramfs the job and what it needs
 * @param cmdline   the kernel command line as given (kvmj adds {@code root=} for a root drive)
 * @param memMib    guest RAM in MiB
 * @param cpus      vCPUs
 * @param smt       two threads per core (Firecracker's {@code smt}); {@code cpus} is then 1 or even
 * @param drives    virtio-blk drives, in the order given
 * @param entropy   a virtio-rng device
 * @param restartOnReset a guest reset restarts the machine (kvmj's {@code "on-reset": "restart"}, QEMU without
 *                  {@code -no-reboot}) instead of ending it
 * @param vsock     a virtio-vsock device, or null for none
 * @param net       a virtio-net device on a TAP, or null for none
 */
public record LinuxMachine(Path kernel, Initramfs initramfs, String cmdline, int memMib, int cpus, boolean smt,
                           List<Drive> drives, boolean entropy, boolean restartOnReset, Vsock vsock, Net net) {
    /**
     * A virtio-vsock device: the guest's CID and, on kvmj, the Unix socket host programs connect to (Firecracker's
     * {@code uds_path}); QEMU's vhost-vsock has no such socket, its host side is the host kernel's AF_VSOCK.
     */
    public record Vsock(long guestCid, Path udsPath) {
    }

    /**
     * A virtio-net device on the TAP {@code tap} of the network namespace {@code netns}, where the VMM then runs
     * (a process opens a TAP of its own namespace): Firecracker's {@code host_dev_name}, {@code guest_mac} and
     * {@code mtu} (the MTU the device advises the guest, bytes; 0 for none).
     */
    public record Net(String netns, String tap, String guestMac, int mtu) {
    }

    /**
     * The serial console; {@code quiet}, because each console byte is a VM exit, costly in the nested machine
     * (errors and panics still print); a reset at once on a panic.
     */
    public static final String DEFAULT_CMDLINE = "console=ttyS0 quiet panic=-1";

    public LinuxMachine {
        drives = List.copyOf(drives);
    }

    /** {@code kernel} with {@code initramfs}, 256 MiB, 1 vCPU without SMT, {@link #DEFAULT_CMDLINE}, no devices. */
    public static LinuxMachine of(Path kernel, Initramfs initramfs) {
        return new LinuxMachine(kernel, initramfs, DEFAULT_CMDLINE, 256, 1, false, List.of(), false, false, null, null);
    }

    public LinuxMachine withCmdline(String newCmdline) {
        return new LinuxMachine(kernel, initramfs, newCmdline, memMib, cpus, smt, drives, entropy, restartOnReset, vsock, net);
    }

    /** With {@code mib} MiB of RAM. */
    public LinuxMachine withMemory(int mib) {
        return new LinuxMachine(kernel, initramfs, cmdline, mib, cpus, smt, drives, entropy, restartOnReset, vsock, net);
    }

    public LinuxMachine withCpus(int count) {
        return new LinuxMachine(kernel, initramfs, cmdline, memMib, count, smt, drives, entropy, restartOnReset, vsock, net);
    }

    /** With two threads per core ({@code smt}) or one. */
    public LinuxMachine withSmt(boolean enabled) {
        return new LinuxMachine(kernel, initramfs, cmdline, memMib, cpus, enabled, drives, entropy, restartOnReset, vsock, net);
    }

    /** With {@code drive} added after the drives already there. */
    public LinuxMachine withDrive(Drive drive) {
        List<Drive> more = new ArrayList<>(drives);
        more.add(drive);
        return new LinuxMachine(kernel, initramfs, cmdline, memMib, cpus, smt, more, entropy, restartOnReset, vsock, net);
    }

    /** With a virtio-rng device. */
    public LinuxMachine withEntropy() {
        return new LinuxMachine(kernel, initramfs, cmdline, memMib, cpus, smt, drives, true, restartOnReset, vsock, net);
    }

    /** A guest reset restarts the machine instead of ending it. */
    public LinuxMachine restartingOnReset() {
        return new LinuxMachine(kernel, initramfs, cmdline, memMib, cpus, smt, drives, entropy, true, vsock, net);
    }

    /** With a virtio-vsock device. */
    public LinuxMachine withVsock(Vsock device) {
        return new LinuxMachine(kernel, initramfs, cmdline, memMib, cpus, smt, drives, entropy, restartOnReset, device, net);
    }

    /** With a virtio-net device. */
    public LinuxMachine withNet(Net device) {
        return new LinuxMachine(kernel, initramfs, cmdline, memMib, cpus, smt, drives, entropy, restartOnReset, vsock,
                device);
    }

    /** Firecracker's attach order, which decides Linux's vdX names: the root drive first, the rest as given. */
    List<Drive> attachOrder() {
        List<Drive> ordered = new ArrayList<>(drives);
        ordered.sort(Comparator.comparing(d -> !d.root()));
        return ordered;
    }
}
