package io.kvmj.vmm.boot.bzimage;

import io.kvmj.vmm.boot.LoadedKernel;

/**
 * A bzImage copied into guest memory.
 *
 * @param kernel where it landed: the 64-bit entry (load address + 0x200), the load address, and the end of the
 *               memory the kernel needs before it reads the memory map (runtime start + init_size)
 * @param image  its setup header, which the zero page needs
 */
public record LoadedBzImage(LoadedKernel kernel, BzImage image) {
    public long entry() {
        return kernel.entry();
    }

    public long loadAddress() {
        return kernel.imageStart();
    }
}
