package io.kvmj.it.linux;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitramfsTest {
    private static final String VERSION = "6.1.0-test-amd64";
    private static final String JOB = "echo hello from the job\n";

    @TempDir
    Path dir;
    Path busybox;
    Path modules;

    @BeforeEach
    void fakeKernelAndBusybox() throws Exception {
        busybox = Files.writeString(dir.resolve("busybox"), "fake static busybox");
        modules = FakeModuleTree.virtio(dir.resolve("lib/modules/" + VERSION));
    }

    private Initramfs initramfs(List<String> names, String job) {
        return new Initramfs(busybox, modules, VERSION, names, job, JobEnd.POWER_OFF);
    }

    @Test
    void archiveHoldsInitJobBusyboxConsoleAndTheModulesAtTheirPaths() throws Exception {
        Initramfs initramfs = initramfs(List.of("virtio_mmio", "virtio_blk"), JOB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        initramfs.writeTo(out);
        List<CpioReader.Entry> entries = CpioReader.read(out.toByteArray());
        Map<String, CpioReader.Entry> byName = entries.stream()
                .collect(Collectors.toMap(CpioReader.Entry::name, Function.identity()));

        assertEquals(initramfs.initScript(), new String(byName.get("init").data(), StandardCharsets.UTF_8));
        assertEquals(0100755, byName.get("init").mode());
        assertEquals(JOB, new String(byName.get("job.sh").data(), StandardCharsets.UTF_8));
        assertArrayEquals(Files.readAllBytes(busybox), byName.get("bin/busybox").data());
        assertEquals(5, byName.get("dev/console").rdevMajor());
        String base = "lib/modules/" + VERSION + "/";
        for (String ko : List.of("kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko",
                "kernel/drivers/virtio/virtio_mmio.ko", "kernel/drivers/block/virtio_blk.ko")) {
            assertArrayEquals(Files.readAllBytes(modules.resolve(ko)), byName.get(base + ko).data(), ko);
        }
        assertFalse(byName.containsKey(base + "kernel/fs/unrelated.ko"), "only the modules the job needs");
        assertFalse(byName.containsKey(base + "kernel/drivers/char/hw_random/virtio-rng.ko"));
        // every directory comes before what is in it: the kernel creates entries in archive order
        List<String> names = entries.stream().map(CpioReader.Entry::name).toList();
        for (String name : names) {
            int slash = name.lastIndexOf('/');
            if (slash > 0) {
                String parent = name.substring(0, slash);
                assertTrue(names.indexOf(parent) >= 0 && names.indexOf(parent) < names.indexOf(name), name);
                assertTrue(byName.get(parent).isDirectory(), parent);
            }
        }
    }

    @Test
    void programsGoToBinUnderTheirNamesAndIntoTheCacheKey() throws Exception {
        Path program = Files.writeString(Files.createDirectories(dir.resolve("out/linux")).resolve("stream_echo"),
                "fake static program");
        Initramfs without = initramfs(List.of(), JOB);
        Initramfs with = without.withProgram(program);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        with.writeTo(out);
        Map<String, CpioReader.Entry> byName = CpioReader.read(out.toByteArray()).stream()
                .collect(Collectors.toMap(CpioReader.Entry::name, Function.identity()));

        assertArrayEquals(Files.readAllBytes(program), byName.get("bin/stream_echo").data());
        assertEquals(0100755, byName.get("bin/stream_echo").mode());
        String key = with.cacheKey();
        assertNotEquals(without.cacheKey(), key, "a program");
        Files.writeString(program, "rebuilt program");
        assertNotEquals(key, with.cacheKey(), "the program's bytes");
    }

    @Test
    void initLoadsTheNamedModulesRunsTheJobAndPowersOff() {
        String init = initramfs(List.of("virtio_mmio", "virtio_blk"), JOB).initScript();

        assertTrue(init.startsWith("#!/bin/busybox sh\n"), init);
        for (String fs : List.of("mount -t proc proc /proc", "mount -t sysfs sys /sys", "mount -t devtmpfs dev /dev")) {
            assertTrue(init.contains(fs), init);
        }
        assertTrue(init.contains("depmod && modprobe -a virtio_mmio virtio_blk"), init);
        assertTrue(init.indexOf(Initramfs.JOB_START) < init.indexOf("sh /job.sh"), init);
        assertTrue(init.indexOf("sh /job.sh") < init.indexOf("poweroff -f"), init);
        assertFalse(initramfs(List.of(), JOB).initScript().contains("modprobe"), "no modules, no modprobe");
    }

    @Test
    void initThatExitsHandsPidOneToTheJob() {
        String init = initramfs(List.of(), JOB).endingWith(JobEnd.INIT_EXITS).initScript();

        assertTrue(init.contains("exec sh /job.sh"), init);
        assertFalse(init.contains("poweroff"), init);
    }

    @Test
    void cacheKeyChangesWithEachInputAndOnlyThen() throws Exception {
        Initramfs base = initramfs(List.of("virtio_blk"), JOB);
        String key = base.cacheKey();

        assertEquals(key, initramfs(List.of("virtio_blk"), JOB).cacheKey());
        assertNotEquals(key, initramfs(List.of("virtio_blk"), JOB + "true\n").cacheKey(), "job");
        assertNotEquals(key, initramfs(List.of("virtio_mmio"), JOB).cacheKey(), "modules");
        assertNotEquals(key, base.endingWith(JobEnd.INIT_EXITS).cacheKey(), "end");
        assertNotEquals(key, new Initramfs(busybox, modules, "6.1.0-other", List.of("virtio_blk"), JOB,
                JobEnd.POWER_OFF).cacheKey(), "kernel version");
        Files.writeString(busybox, "another busybox");
        assertNotEquals(key, base.cacheKey(), "busybox bytes");
        String withNewBusybox = base.cacheKey();
        FakeModuleTree.module(modules, "kernel/drivers/virtio/virtio.ko", "virtio_ring\0rebuilt");
        assertNotEquals(withNewBusybox, base.cacheKey(), "a dependency's bytes");
    }

    @Test
    void secondBuildReusesTheCachedArchive() throws Exception {
        Path cache = dir.resolve("cache");
        Initramfs initramfs = initramfs(List.of("virtio_blk"), JOB);

        Path first = initramfs.build(cache);
        Files.setLastModifiedTime(first, FileTime.fromMillis(0));
        Path second = initramfs.build(cache);

        assertEquals(first, second);
        assertEquals(FileTime.fromMillis(0), Files.getLastModifiedTime(second), "not rewritten");
        assertTrue(first.getFileName().toString().contains(initramfs.cacheKey()));
        try (var files = Files.list(cache)) {
            assertEquals(List.of(first), files.toList(), "no partial files left");
        }
        Path other = initramfs(List.of("virtio_blk"), "echo other\n").build(cache);
        assertNotEquals(first, other);
    }
}
