package io.kvmj.it.linux;

import io.kvmj.it.Environment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Debian's stock cloud kernel as scripts/fetch-debian-kernel.sh unpacks it: the bzImage, the ELF vmlinux taken
 * out of it (for the PVH boot path) and the package's modules. A distribution kernel rather than one built for
 * kvmj, so the tests see what users boot.
 *
 * @param bzImage {@code boot/vmlinuz-VERSION}
 * @param vmlinux {@code boot/vmlinux-VERSION}, the ELF with the PVH entry note
 * @param modules {@code lib/modules/VERSION}, uncompressed {@code .ko} files under {@code kernel/}
 * @param version the kernel release, e.g. {@code 6.1.0-57-cloud-amd64}
 */
public record DebianKernel(Path bzImage, Path vmlinux, Path modules, String version) {
    private static final String BZIMAGE_PREFIX = "vmlinuz-";
    private static DebianKernel fetched;

    /**
     * The unpacked package around {@code bzImage}, a {@code boot/vmlinuz-VERSION} in the layout the fetch script
     * writes. Pure: nothing is checked on disk.
     *
     * @throws IllegalArgumentException when the file name is not {@code vmlinuz-VERSION}
     */
    public static DebianKernel at(Path bzImage) {
        String name = bzImage.getFileName().toString();
        if (!name.startsWith(BZIMAGE_PREFIX) || name.length() == BZIMAGE_PREFIX.length()) {
            throw new IllegalArgumentException("not a vmlinuz-VERSION file: " + bzImage);
        }
        String version = name.substring(BZIMAGE_PREFIX.length());
        Path root = bzImage.toAbsolutePath().getParent().getParent();
        return new DebianKernel(bzImage.toAbsolutePath(), root.resolve("boot").resolve("vmlinux-" + version),
                root.resolve("lib").resolve("modules").resolve(version), version);
    }

    /**
     * Fetches the kernel once per JVM (apt-get download on the first run, the cache afterwards). Skips the
     * calling test with the script's reason when it cannot be had, or fails it under CI.
     */
    public static synchronized DebianKernel fetch() throws IOException, InterruptedException {
        if (fetched == null) {
            Path script = repositoryRoot().resolve("scripts").resolve("fetch-debian-kernel.sh");
            HostCommand r = HostCommand.run(List.of("bash", script.toString()));
            String out = r.text().strip();
            boolean ok = r.status() == 0 && !out.isEmpty() && Files.isRegularFile(Path.of(out));
            Environment.require(ok, "Debian's cloud kernel (" + script + ": " + r.stderr().strip() + ")");
            DebianKernel kernel = at(Path.of(out));
            Environment.require(Files.isRegularFile(kernel.vmlinux()) && Files.isDirectory(kernel.modules()),
                    "the unpacked vmlinux and modules beside " + kernel.bzImage());
            fetched = kernel;
        }
        return fetched;
    }

    /** The checkout's root: surefire sets KVMJ_ROOT; run from the module directory it is its parent. */
    static Path repositoryRoot() {
        String root = System.getenv("KVMJ_ROOT");
        return (root == null || root.isBlank() ? Path.of("..") : Path.of(root)).toAbsolutePath().normalize();
    }
}
