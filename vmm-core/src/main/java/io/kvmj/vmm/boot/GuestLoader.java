package io.kvmj.vmm.boot;

import io.kvmj.vmm.arch.x86.E820Map;
import io.kvmj.vmm.arch.x86.PvhCpuState;
import io.kvmj.vmm.arch.x86.longmode.LongModeCpuState;
import io.kvmj.vmm.boot.bzimage.BzImageLoader;
import io.kvmj.vmm.boot.bzimage.KernelFormat;
import io.kvmj.vmm.boot.bzimage.LoadedBzImage;
import io.kvmj.vmm.boot.bzimage.ZeroPage;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRamLayout;

import java.nio.file.Path;

/**
 * Loads a kernel of either kind into guest memory with its initrd and command line, and writes the boot
 * data its protocol expects: PVH start info for an ELF with a PVH note, boot_params for a bzImage.
 */
public final class GuestLoader {
    private GuestLoader() {
    }

    /**
     * @param format   what {@link KernelFormat#detect(Path)} said of {@code kernel}
     * @param initrd   null for none
     * @param acpiRsdp guest address of the ACPI RSDP, or 0 when the VM has no ACPI tables
     */
    public static BootEntry load(GuestMemory memory, Path kernel, KernelFormat format, Path initrd, String cmdline,
                                 long acpiRsdp) {
        return switch (format) {
            case ELF -> loadPvh(memory, kernel, initrd, cmdline, acpiRsdp);
            case BZIMAGE -> loadBzImage(memory, kernel, initrd, cmdline, acpiRsdp);
        };
    }

    private static BootEntry loadPvh(GuestMemory memory, Path kernel, Path initrd, String cmdline, long acpiRsdp) {
        LoadedKernel k = PvhElfLoader.load(kernel, memory);
        PvhStartInfo.Module module = initrd == null ? null
                : InitrdLoader.load(initrd, memory, k.imageEnd(), GuestRamLayout.MMIO_HOLE_START);
        long cmdlineAddress = CommandLine.write(memory, cmdline);
        PvhCpuState.writeGdt(memory);
        long startInfo = PvhStartInfo.write(memory, cmdlineAddress, module, E820Map.of(memory.regions()), acpiRsdp);
        return new BootEntry.Pvh(k.entry(), startInfo);
    }

    private static BootEntry loadBzImage(GuestMemory memory, Path kernel, Path initrd, String cmdline,
                                         long acpiRsdp) {
        LoadedBzImage k = BzImageLoader.load(kernel, memory);
        PvhStartInfo.Module module = initrd == null ? null : BzImageLoader.loadInitrd(initrd, memory, k);
        long zeroPage = ZeroPage.write(memory, k.image(), cmdline, module, E820Map.of(memory.regions()), acpiRsdp);
        LongModeCpuState.writeTables(memory);
        return new BootEntry.Linux64(k.entry(), zeroPage);
    }
}
