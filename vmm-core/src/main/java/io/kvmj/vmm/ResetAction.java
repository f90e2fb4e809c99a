package io.kvmj.vmm;

/**
 * What a guest reset does to the VM: ACPI or i8042 or port 0xCF9 resets, a jump to the reset vector, and a
 * triple fault. A power-off always ends the VM.
 */
public enum ResetAction {
    /** The VM ends (Firecracker's behaviour, and QEMU's with {@code -no-reboot}). */
    EXIT,
    /**
     * The machine starts again in the same process (QEMU's default): fresh vCPUs, devices and RAM, the kernel
     * and initrd loaded again from their files, the same disks and console.
     */
    RESTART
}
