package io.kvmj.config;

/**
 * A bitmap to apply to one CPUID output register.
 *
 * @param register {@code "eax"}, {@code "ebx"}, {@code "ecx"} or {@code "edx"} (lower case once validated)
 * @param bitmap once validated, {@code "0b"} followed by exactly 32 characters, most significant bit first:
 *               {@code 0} or {@code 1} forces the bit, {@code x} keeps the host's value
 */
public record RegisterBitmap(String register, String bitmap) {}
