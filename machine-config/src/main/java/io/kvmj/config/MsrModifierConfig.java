package io.kvmj.config;

/**
 * One {@code cpu-config.msr_modifiers} entry: a bitmap to apply to the MSR at {@code addr}.
 *
 * @param addr the MSR index, 0 to 0xffffffff
 * @param bitmap once validated, {@code "0b"} followed by exactly 64 characters, most significant bit first:
 *               {@code 0} or {@code 1} forces the bit, {@code x} keeps the host's value
 */
public record MsrModifierConfig(long addr, String bitmap) {}
