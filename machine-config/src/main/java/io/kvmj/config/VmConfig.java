package io.kvmj.config;

/**
 * A whole machine config. Instances returned by {@link ConfigLoader} are validated: paths are absolute and
 * normalized, numbers are in range, {@code serial} is never null.
 *
 * @param debugExit null when there is no isa-debug-exit device
 */
public record VmConfig(BootSource bootSource, MachineSpec machine, DebugExit debugExit, SerialConfig serial) {}
