package io.kvmj.cli.api;

import io.kvmj.config.ConfigException;
import io.kvmj.config.ConfigLoader;
import io.kvmj.config.MachineSpec;
import io.kvmj.config.VmConfig;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The machine the pre-boot API requests assemble, kept as the config-file document they add up to: Firecracker's
 * config file has the API's body shapes under its section keys ({@code boot-source}, {@code drives}, ...). Each
 * change is validated on the whole document by the machine-config module before it is kept, so a body is refused
 * with the one-line message the config file would get (e.g. {@code drives[1].path_on_host: file not found}).
 * Once {@linkplain #start started}, it refuses every change. Thread-safe: requests are applied one at a time.
 */
final class PendingMachine {
    /** Firecracker's answer to a pre-boot request after the start (status 400). */
    static final String AFTER_START = "The requested operation is not supported after starting the microVM.";

    static final String BOOT_SOURCE = "boot-source";
    static final String MACHINE_CONFIG = "machine-config";
    static final String DRIVES = "drives";
    static final String NETWORK_INTERFACES = "network-interfaces";
    static final String VSOCK = "vsock";
    static final String ENTROPY = "entropy";

    private final Path baseDir;
    // section key -> compact JSON object, in the order the sections were first set
    private Map<String, String> sections = new LinkedHashMap<>();
    // list section key -> (id -> compact JSON object), ids in the order they were first put
    private Map<String, Map<String, String>> lists = new LinkedHashMap<>();
    // the machine's document once it has started (null before): what it was started with, for good
    private String startedDocument;

    /** @param baseDir the directory relative paths in bodies resolve against (Firecracker: its working directory) */
    PendingMachine(Path baseDir) {
        this.baseDir = baseDir;
        lists.put(DRIVES, new LinkedHashMap<>());
        lists.put(NETWORK_INTERFACES, new LinkedHashMap<>());
        try {
            // the module's default machine (Firecracker's), so that it is shown before any PUT /machine-config
            sections.put(MACHINE_CONFIG, machineJson(ConfigLoader.parseIncomplete(document(), baseDir).machine()));
        } catch (ConfigException e) {
            throw new IllegalStateException("an empty machine is valid: " + e.getMessage(), e);
        }
    }

    /**
     * Sets the section {@code key} (one object, such as {@code boot-source}) to {@code object}, replacing it.
     *
     * @param object a compact JSON object ({@link Json#compactObject})
     * @throws ApiException 400 with the config file's message if the machine would be invalid, or after the start
     */
    synchronized void putSection(String key, String object) throws ApiException {
        Map<String, String> changed = new LinkedHashMap<>(sections);
        changed.put(key, object);
        apply(changed, lists);
    }

    /**
     * Puts {@code object} as the element {@code id} of the list section {@code key} ({@code drives},
     * {@code network-interfaces}): a new id is appended, a known one replaced where it is.
     *
     * @throws ApiException as {@link #putSection}
     */
    synchronized void putElement(String key, String id, String object) throws ApiException {
        Map<String, Map<String, String>> changed = new LinkedHashMap<>(lists);
        Map<String, String> elements = new LinkedHashMap<>(lists.get(key));
        elements.put(id, object);
        changed.put(key, elements);
        apply(sections, changed);
    }

    private void apply(Map<String, String> newSections, Map<String, Map<String, String>> newLists)
            throws ApiException {
        if (startedDocument != null) throw ApiException.badRequest(AFTER_START);
        try {
            VmConfig config = ConfigLoader.parseIncomplete(document(newSections, newLists), baseDir);
            // kept with every field, defaults included, as Firecracker's GET /machine-config answers it
            Map<String, String> kept = new LinkedHashMap<>(newSections);
            kept.put(MACHINE_CONFIG, machineJson(config.machine()));
            sections = kept;
            lists = newLists;
        } catch (ConfigException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /**
     * The {@code machine-config} section, every field written: Firecracker's default machine until one is put.
     */
    synchronized String machineConfig() {
        return sections.get(MACHINE_CONFIG);
    }

    private static String machineJson(MachineSpec machine) {
        return Json.object(g -> {
            g.writeNumberField("vcpu_count", machine.vcpuCount());
            g.writeNumberField("mem_size_mib", machine.memSizeMib());
            g.writeBooleanField("smt", machine.smt());
            g.writeBooleanField("track_dirty_pages", machine.trackDirtyPages());
        });
    }

    /** The config-file document of everything put so far, or of the started machine ({@code GET /vm/config}). */
    synchronized String document() {
        return startedDocument != null ? startedDocument : document(sections, lists);
    }

    /**
     * Marks the machine started from a config file (the VM runs already) as {@code config}; then it takes no
     * changes, as after an API start.
     */
    synchronized void startedFrom(VmConfig config) {
        sections.put(MACHINE_CONFIG, machineJson(config.machine()));
        startedDocument = ConfigLoader.toJson(config);
    }

    /**
     * Freezes the machine and returns it whole, validated as {@code kvmj run --config} would validate the
     * document; {@code started} runs on it before the freeze, which it prevents by throwing.
     *
     * @throws ApiException 400 if the machine is incomplete or invalid (the config file's message), if
     *                      {@code started} refuses it, or if it was started already
     */
    synchronized VmConfig start(Starting started) throws ApiException {
        if (startedDocument != null) throw ApiException.badRequest(AFTER_START);
        String document = document();
        VmConfig config;
        try {
            config = ConfigLoader.parse(document, baseDir);
        } catch (ConfigException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        started.accept(config);
        startedDocument = document;
        return config;
    }

    /** What is done with the whole machine before it counts as started. */
    @FunctionalInterface
    interface Starting {
        /** @throws ApiException the machine does not start (it stays open to changes) */
        void accept(VmConfig config) throws ApiException;
    }

    private static String document(Map<String, String> sections, Map<String, Map<String, String>> lists) {
        return Json.object(g -> {
            for (Map.Entry<String, String> section : sections.entrySet()) {
                g.writeFieldName(section.getKey());
                g.writeRawValue(section.getValue());
            }
            for (Map.Entry<String, Map<String, String>> list : lists.entrySet()) {
                g.writeArrayFieldStart(list.getKey());
                for (String element : list.getValue().values()) {
                    g.writeRawValue(element);
                }
                g.writeEndArray();
            }
        });
    }
}
