package io.kvmj.cli.api;

import io.kvmj.config.VmConfig;

/**
 * Checks a validated config as a machine, without KVM: what {@code kvmj validate} checks after the config itself
 * (kernel format, what fits in guest RAM, devices). The CLI passes {@code VmBuilder.check} on the machine the
 * config describes.
 */
@FunctionalInterface
public interface MachineCheck {
    /**
     * @throws io.kvmj.vmm.boot.BootException    the kernel or initrd cannot be booted
     * @throws IllegalArgumentException          the machine cannot be built (too many devices, ports)
     * @throws java.io.UncheckedIOException      a file it names cannot be read
     */
    void check(VmConfig config);
}
