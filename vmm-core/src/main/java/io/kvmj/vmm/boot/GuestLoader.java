package io.kvmj.vmm.boot;

import io.kvmj.vmm.arch.x86.E820Map;
import io.kvmj.vmm.arch.x86.PvhCpuState;
import io.kvmj.vmm.arch.x86.longmode.LongModeCpuState;
import io.kvmj.vmm.boot.bzimage.BzImageLoader;
import io.kvmj.vmm.boot.bzimage.LoadedBzImage;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRamLayout;

import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * Loads a kernel into guest memory with its initrd and command line, and writes the boot data its {@link BootPath}
 * expects: PVH start info for an ELF with a PVH note, a zero page (boot_params) for an ELF without one and for a
 * bzImage.
 */
public final class GuestLoader {
    private static final Logger LOG = Logger.getLogger(GuestLoader.class.getName());

    private GuestLoader() {
    }

    /**
     * @param kernel   what {@link KernelImage#inspect} said of the kernel file
     * @param initrd   null for none
     * @param cmdline  the whole command line, device entries included
     * @param acpiRsdp guest address of the ACPI RSDP, or 0 when the VM has no ACPI tables
     * @throws BootException if the kernel, initrd or command line cannot be booted (one line naming the problem)
     */
    public static BootEntry load(GuestMemory memory, KernelImage kernel, Path initrd, String cmdline, long acpiRsdp) {
        kernel.checkCmdline(cmdline);
        LOG.info(() -> kernel.path() + ": booting through " + kernel.bootPath().description());
        return switch (kernel.bootPath()) {
            case PVH_ELF -> loadPvh(memory, kernel.path(), initrd, cmdline, acpiRsdp);
            case LINUX64_ELF -> loadLinux64Elf(memory, kernel.path(), initrd, cmdline, acpiRsdp);
            case LINUX64_BZIMAGE -> loadBzImage(memory, kernel.path(), initrd, cmdline, acpiRsdp);
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

    private static BootEntry loadLinux64Elf(GuestMemory memory, Path kernel, Path initrd, String cmdline,
                                            long acpiRsdp) {
        LoadedKernel k = Linux64ElfLoader.load(kernel, memory);
        // As on the PVH path (and in Firecracker): the top of low RAM. x86_64 Linux takes an initrd anywhere below
        // 4 GiB on this path, the ext_ramdisk fields carry the rest.
        PvhStartInfo.Module module = initrd == null ? null
                : InitrdLoader.load(initrd, memory, k.imageEnd(), GuestRamLayout.MMIO_HOLE_START);
        return linux64(memory, k.entry(), Linux64ElfLoader.setupHeader(), cmdline, module, acpiRsdp);
    }

    private static BootEntry loadBzImage(GuestMemory memory, Path kernel, Path initrd, String cmdline,
                                         long acpiRsdp) {
        LoadedBzImage k = BzImageLoader.load(kernel, memory);
        PvhStartInfo.Module module = initrd == null ? null : BzImageLoader.loadInitrd(initrd, memory, k);
        return linux64(memory, k.entry(), k.image().setupHeader(), cmdline, module, acpiRsdp);
    }

    /** The command line, zero page and page tables of the 64-bit boot protocol, and its entry. */
    private static BootEntry linux64(GuestMemory memory, long entry, byte[] setupHeader, String cmdline,
                                     PvhStartInfo.Module initrd, long acpiRsdp) {
        long cmdlineAddress = CommandLine.write(memory, cmdline);
        long zeroPage = ZeroPage.write(memory, setupHeader, cmdlineAddress, initrd, E820Map.of(memory.regions()),
                acpiRsdp);
        LongModeCpuState.writeTables(memory);
        return new BootEntry.Linux64(entry, zeroPage);
    }
}
