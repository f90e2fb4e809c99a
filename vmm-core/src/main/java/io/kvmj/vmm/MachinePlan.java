package io.kvmj.vmm;

import io.kvmj.vmm.arch.x86.acpi.MpTable;
import io.kvmj.vmm.boot.BootException;
import io.kvmj.vmm.boot.KernelImage;
import io.kvmj.vmm.devices.DeviceSetup;
import io.kvmj.vmm.devices.MachineLayout;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link VmBuilder} decides about a {@link VmSpec} from the description alone, before it opens KVM: the
 * kernel's boot path and command-line limit, where every device sits, and the kernel command line with the devices' entries. Making the
 * plan runs every check that needs neither KVM nor guest memory, so a machine that cannot be built is refused with
 * the same one-line message by {@code kvmj validate} and by {@code kvmj run} on any host, with or without KVM.
 *
 * @param cmdline the command line the kernel gets: the spec's, plus the virtio devices' entries for a VM without
 *                ACPI (with ACPI the DSDT announces them; listing them twice would make Linux probe each twice)
 */
public record MachinePlan(KernelImage kernel, MachineLayout layout, String cmdline) {
    /**
     * Plans {@code spec}.
     *
     * @throws BootException            the kernel is no kernel kvmj boots or unreadable, the initrd is unreadable or
     *                                  empty, the command line is longer than the kernel takes
     * @throws IllegalArgumentException a device's own check fails ({@link DeviceSetup#check}), the devices do not
     *                                  fit (see {@link MachineLayout#plan}), or there are more vCPUs than an MP
     *                                  table describes
     */
    public static MachinePlan of(VmSpec spec) {
        KernelImage kernel = KernelImage.inspect(spec.kernel());
        if (spec.initrd() != null) {
            checkInitrd(spec.initrd());
        }
        if (!spec.acpi() && spec.vcpus() > MpTable.MAX_VCPUS) {
            throw new IllegalArgumentException("without ACPI the MP table describes at most " + MpTable.MAX_VCPUS
                    + " vCPUs, not " + spec.vcpus());
        }
        spec.devices().forEach(DeviceSetup::check);
        MachineLayout layout = MachineLayout.plan(spec.debugExitPort(), spec.acpi(),
                spec.devices().stream().map(DeviceSetup::mmioRequest).toList());
        List<String> entries = spec.acpi() ? List.of()
                : layout.virtio().stream().map(MachineLayout.MmioWindow::virtioCmdlineEntry).toList();
        String cmdline = kernelCmdline(spec.cmdline(), entries);
        kernel.checkCmdline(cmdline);
        return new MachinePlan(kernel, layout, cmdline);
    }

    private static void checkInitrd(Path initrd) {
        try (FileChannel channel = FileChannel.open(initrd)) {
            if (channel.size() == 0) {
                throw new BootException(initrd + ": initrd is empty");
            }
        } catch (IOException e) {
            throw new BootException(initrd + ": cannot read initrd: " + e.getMessage());
        }
    }

    /** The user's command line plus what the devices need the kernel to know. */
    static String kernelCmdline(String user, List<String> deviceEntries) {
        StringBuilder b = new StringBuilder(user.strip());
        for (String e : deviceEntries) {
            if (!b.isEmpty()) {
                b.append(' ');
            }
            b.append(e);
        }
        return b.toString();
    }
}
