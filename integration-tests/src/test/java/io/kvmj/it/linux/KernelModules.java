package io.kvmj.it.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A kernel's module tree ({@code lib/modules/VERSION}): finds the {@code .ko} files for module names and the
 * modules they depend on, so an initramfs carries exactly what its job needs. The dependencies come from each
 * module's own {@code .modinfo} ({@code depends=a,b}), as depmod reads them; the guest's depmod and modprobe
 * then load them in order from the same files.
 */
final class KernelModules {
    private static final byte[] DEPENDS = "\0depends=".getBytes(StandardCharsets.US_ASCII);

    private static final Map<Path, KernelModules> INDEXES = new ConcurrentHashMap<>();

    private final Path root;
    private final Map<String, Path> byName;

    private KernelModules(Path root, Map<String, Path> byName) {
        this.root = root;
        this.byName = byName;
    }

    /** The index of {@code root}, built once per JVM: a tree walk is slow on the nested machine's virtio-fs. */
    static KernelModules of(Path root) throws IOException {
        Path key = root.toAbsolutePath().normalize();
        KernelModules known = INDEXES.get(key);
        if (known == null) {
            known = index(key);
            INDEXES.putIfAbsent(key, known);
        }
        return known;
    }

    /** Indexes the uncompressed {@code .ko} files under {@code root} (a {@code lib/modules/VERSION}). */
    static KernelModules index(Path root) throws IOException {
        Map<String, Path> byName = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path ko : files.filter(p -> p.getFileName().toString().endsWith(".ko")).toList()) {
                byName.put(moduleName(ko.getFileName().toString()), root.relativize(ko));
            }
        }
        return new KernelModules(root, byName);
    }

    /** The tree this index reads. */
    Path root() {
        return root;
    }

    /**
     * The files of {@code names} and of everything they depend on, relative to {@link #root()}, dependencies
     * before their users.
     *
     * @throws IllegalArgumentException naming a module that is not in the tree (built in, or misspelt)
     */
    List<Path> withDependencies(List<String> names) throws IOException {
        Set<String> ordered = new LinkedHashSet<>();
        for (String name : names) {
            visit(moduleName(name), ordered, new LinkedHashSet<>());
        }
        List<Path> files = new ArrayList<>();
        for (String name : ordered) {
            files.add(byName.get(name));
        }
        return files;
    }

    private void visit(String name, Set<String> done, Set<String> path) throws IOException {
        if (done.contains(name)) {
            return;
        }
        Path file = byName.get(name);
        if (file == null) {
            throw new IllegalArgumentException("no module " + name + " under " + root + " (built in, or misspelt?)");
        }
        if (!path.add(name)) {
            throw new IllegalStateException("modules depend on each other in a cycle: " + path);
        }
        for (String dependency : dependencies(Files.readAllBytes(root.resolve(file)))) {
            visit(dependency, done, path);
        }
        path.remove(name);
        done.add(name);
    }

    /** The names in a module image's {@code depends=} entry (none when it has no such entry or it is empty). */
    static List<String> dependencies(byte[] ko) {
        int at = indexOf(ko, DEPENDS);
        if (at < 0) {
            return List.of();
        }
        int start = at + DEPENDS.length;
        int end = start;
        while (end < ko.length && ko[end] != 0) {
            end++;
        }
        String value = new String(ko, start, end - start, StandardCharsets.US_ASCII);
        return value.isEmpty() ? List.of() : Stream.of(value.split(",")).map(KernelModules::moduleName).toList();
    }

    /** A module's name as the kernel knows it: file name without {@code .ko}, dashes as underscores. */
    static String moduleName(String fileOrName) {
        String name = fileOrName.endsWith(".ko") ? fileOrName.substring(0, fileOrName.length() - 3) : fileOrName;
        return name.replace('-', '_');
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
