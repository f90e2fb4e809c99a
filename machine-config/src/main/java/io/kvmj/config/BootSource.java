package io.kvmj.config;

import java.nio.file.Path;

/**
 * What to boot.
 *
 * @param bootArgs kernel command line, {@code ""} when absent
 * @param initrdPath null when there is no initrd
 */
public record BootSource(Path kernelImagePath, String bootArgs, Path initrdPath) {}
