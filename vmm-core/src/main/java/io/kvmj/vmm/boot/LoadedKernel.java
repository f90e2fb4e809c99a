package io.kvmj.vmm.boot;

/**
 * Where a kernel image landed in guest memory.
 *
 * @param entry     the guest-physical entry point to start the boot CPU at
 * @param imageStart lowest guest-physical address the image occupies
 * @param imageEnd  first guest-physical address past the image (bss included)
 */
public record LoadedKernel(long entry, long imageStart, long imageEnd) {
}
