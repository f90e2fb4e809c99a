package io.kvmj.vmm.boot.bzimage;

import io.kvmj.vmm.boot.BootException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** What kind of kernel image a file is, told from its first bytes. */
public enum KernelFormat {
    /** An ELF executable (0x7f 'E' 'L' 'F'), e.g. vmlinux: booted through PVH or the 64-bit boot protocol. */
    ELF,
    /** A bzImage ("HdrS" at 0x202), e.g. vmlinuz: booted through the 64-bit boot protocol. */
    BZIMAGE;

    /** Bytes needed to tell the formats apart. */
    static final int HEAD_SIZE = 0x206;

    public static KernelFormat detect(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return detect(file.toString(), in.readNBytes(HEAD_SIZE));
        } catch (IOException e) {
            throw new BootException(file + ": cannot read kernel: " + e.getMessage());
        }
    }

    /** Detects from the first bytes of a file ({@code head} may be shorter than the file, or the whole file). */
    public static KernelFormat detect(String name, byte[] head) {
        if (head.length >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') {
            return ELF;
        }
        if (head.length >= HEAD_SIZE && head[0x202] == 'H' && head[0x203] == 'd' && head[0x204] == 'r'
                && head[0x205] == 'S') {
            return BZIMAGE;
        }
        throw new BootException(name + ": not a kernel: neither an ELF vmlinux nor a bzImage");
    }
}
