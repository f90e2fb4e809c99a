package io.kvmj.it.linux;

import io.kvmj.it.Environment;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/**
 * An initramfs that runs one test job on a stock kernel: a static busybox, the kernel's own modules the job
 * needs (with the modules they depend on, at their {@code kernel/...} paths), the job's shell script as
 * {@code /job.sh} and an {@code /init} that mounts proc, sysfs and devtmpfs, loads the modules with busybox's
 * depmod and modprobe, runs the job with the console (ttyS0 when {@code console=ttyS0}) as its terminal, and
 * then ends the machine as {@link JobEnd} says. Between {@link #JOB_START} and {@link #JOB_END} the console
 * shows the job's own output. Built archives are kept in a cache keyed by a hash of every input, so each
 * distinct job is built once.
 *
 * @param busybox       a statically linked busybox (the initramfs has no libc)
 * @param moduleTree    the kernel's {@code lib/modules/VERSION}
 * @param kernelVersion the kernel's release: the guest's modprobe looks under {@code /lib/modules/$(uname -r)}
 * @param modules       module names the job needs loaded ({@code virtio_mmio}, {@code virtio_blk}, ...)
 * @param job           the job's shell script (busybox sh)
 * @param end           what happens after the job
 * @param programs      more executables for the job, each put in {@code /bin} under its file name (static ones:
 *                      the initramfs has no libc)
 */
public record Initramfs(Path busybox, Path moduleTree, String kernelVersion, List<String> modules, String job,
                        JobEnd end, List<Path> programs) {
    /** Printed by /init just before the job runs. */
    public static final String JOB_START = "kvmj-kit: job start";
    /** Printed by /init after the job with {@code status=N} appended (not with {@link JobEnd#INIT_EXITS}). */
    public static final String JOB_END = "kvmj-kit: job end";
    /** Printed by /init when a module does not load. */
    public static final String MODULES_FAILED = "kvmj-kit: loading modules failed";
    /** The default static busybox (Debian's busybox-static). */
    public static final Path BUSYBOX = Path.of("/bin/busybox");
    /** Bump when the archive's layout or /init changes in a way the inputs do not show. */
    private static final String FORMAT = "kvmj-linux-kit initramfs 1";

    public Initramfs {
        modules = List.copyOf(modules);
        programs = List.copyOf(programs);
    }

    /** An initramfs with no programs but busybox. */
    public Initramfs(Path busybox, Path moduleTree, String kernelVersion, List<String> modules, String job,
                     JobEnd end) {
        this(busybox, moduleTree, kernelVersion, modules, job, end, List.of());
    }

    /**
     * The job on Debian's kernel with the default busybox, powering off afterwards. Skips the test (fails it
     * under CI) when there is no busybox.
     */
    public static Initramfs forJob(DebianKernel kernel, List<String> modules, String job) {
        Environment.require(Files.isExecutable(BUSYBOX), "a static busybox at " + BUSYBOX
                + " (apt-get install busybox-static)");
        return new Initramfs(BUSYBOX, kernel.modules(), kernel.version(), modules, job, JobEnd.POWER_OFF);
    }

    /** The same initramfs ending as {@code how} says. */
    public Initramfs endingWith(JobEnd how) {
        return new Initramfs(busybox, moduleTree, kernelVersion, modules, job, how, programs);
    }

    /** The same initramfs with {@code program} as {@code /bin/<its file name>}. */
    public Initramfs withProgram(Path program) {
        List<Path> more = new ArrayList<>(programs);
        more.add(program);
        return new Initramfs(busybox, moduleTree, kernelVersion, modules, job, end, more);
    }

    /** The {@code /init} script. */
    String initScript() {
        StringBuilder s = new StringBuilder("""
                #!/bin/busybox sh
                /bin/busybox --install -s /bin
                export PATH=/bin
                mount -t proc proc /proc
                mount -t sysfs sys /sys
                mount -t devtmpfs dev /dev
                """);
        if (!modules.isEmpty()) {
            // depmod writes modules.dep from the modules' own depends= entries; modprobe then loads in order
            s.append("depmod && modprobe -a ").append(String.join(" ", modules))
                    .append(" || echo '").append(MODULES_FAILED).append("'\n");
        }
        s.append("echo '").append(JOB_START).append("'\n");
        switch (end) {
            case POWER_OFF -> s.append("""
                    sh /job.sh
                    echo "%s status=$?"
                    sync
                    poweroff -f
                    """.formatted(JOB_END));
            case INIT_EXITS -> s.append("exec sh /job.sh\n");
        }
        return s.toString();
    }

    /**
     * A SHA-256 over everything that makes up the archive: the layout version, /init, the job, the busybox
     * binary and every module file with its path. Equal keys mean equal archives.
     */
    String cacheKey() throws IOException {
        MessageDigest sha = sha256();
        field(sha, FORMAT.getBytes(StandardCharsets.UTF_8));
        field(sha, kernelVersion.getBytes(StandardCharsets.UTF_8));
        field(sha, initScript().getBytes(StandardCharsets.UTF_8));
        field(sha, job.getBytes(StandardCharsets.UTF_8));
        field(sha, Files.readAllBytes(busybox));
        for (Path module : moduleFiles()) {
            field(sha, module.toString().getBytes(StandardCharsets.UTF_8));
            field(sha, Files.readAllBytes(moduleTree.resolve(module)));
        }
        for (Path program : programs) {
            field(sha, programPath(program).getBytes(StandardCharsets.UTF_8));
            field(sha, Files.readAllBytes(program));
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * The gzip-compressed archive in {@code cacheDir} (created if need be), built unless a previous run left
     * it there. Safe against concurrent builders: each writes its own temporary file and renames it.
     *
     * @return the archive's path, {@code initramfs-KEY.cpio.gz}
     */
    public Path build(Path cacheDir) throws IOException {
        Path target = cacheDir.resolve("initramfs-" + cacheKey() + ".cpio.gz");
        if (Files.isRegularFile(target)) {
            return target;
        }
        Files.createDirectories(cacheDir);
        Path partial = Files.createTempFile(cacheDir, "initramfs-", ".partial");
        try {
            try (OutputStream out = Files.newOutputStream(partial)) {
                writeTo(out);
            }
            try {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(partial);
        }
        return target;
    }

    /** {@link #build(Path)} in {@code ~/.cache/kvmj/linux-kit}. */
    public Path build() throws IOException {
        return build(Path.of(System.getProperty("user.home"), ".cache", "kvmj", "linux-kit"));
    }

    /** Writes the gzip-compressed cpio (newc) archive to {@code out}. */
    void writeTo(OutputStream out) throws IOException {
        GZIPOutputStream gzip = new GZIPOutputStream(out);
        try (CpioWriter cpio = new CpioWriter(gzip)) {
            for (String dir : List.of("bin", "dev", "proc", "sys", "tmp", "mnt")) {
                cpio.directory(dir);
            }
            // the kernel opens /dev/console for init before our init mounts devtmpfs
            cpio.characterDevice("dev/console", 0600, 5, 1);
            cpio.file("bin/busybox", 0755, Files.readAllBytes(busybox));
            cpio.file("init", 0755, initScript().getBytes(StandardCharsets.UTF_8));
            cpio.file("job.sh", 0755, job.getBytes(StandardCharsets.UTF_8));
            for (Path program : programs) {
                cpio.file(programPath(program), 0755, Files.readAllBytes(program));
            }
            String modulesDir = "lib/modules/" + kernelVersion;
            Set<String> dirs = new LinkedHashSet<>(List.of("lib", "lib/modules", modulesDir));
            List<Path> files = moduleFiles();
            for (Path module : files) {
                for (Path d = module.getParent(); d != null; d = d.getParent()) {
                    dirs.add(modulesDir + "/" + d);
                }
            }
            // parents before children: the kernel creates entries in archive order
            for (String dir : dirs.stream().sorted().toList()) {
                cpio.directory(dir);
            }
            for (Path module : files) {
                cpio.file(modulesDir + "/" + module, 0644, Files.readAllBytes(moduleTree.resolve(module)));
            }
        }
        gzip.finish();
    }

    private List<Path> moduleFiles() throws IOException {
        return modules.isEmpty() ? List.of() : KernelModules.of(moduleTree).withDependencies(modules);
    }

    private static String programPath(Path program) {
        return "bin/" + program.getFileName();
    }

    private static void field(MessageDigest sha, byte[] bytes) {
        // length-prefixed, so that moving bytes from one field to the next changes the key
        sha.update(Long.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) ':');
        sha.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
