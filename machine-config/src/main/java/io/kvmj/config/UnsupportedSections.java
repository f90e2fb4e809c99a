package io.kvmj.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Firecracker top-level sections this kvmj version does not implement. They are accepted only when empty
 * ({@code null}, {@code []} or {@code {}}), so Firecracker files that merely list them still load.
 * To implement one: remove its name here and add it to {@link ConfigFileJson.Root}.
 */
final class UnsupportedSections {
    static final List<String> NAMES = List.of(
            "network-interfaces",
            "vsock",
            "balloon",
            "logger",
            "metrics",
            "mmds-config");

    private UnsupportedSections() {}

    /** Removes the empty ones from {@code root}, so Jackson only sees sections kvmj models. */
    static void removeEmpty(ObjectNode root) throws ConfigException {
        for (String name : NAMES) {
            JsonNode section = root.remove(name);
            if (section != null && !isEmpty(section)) {
                throw new ConfigException(name, "not supported by this kvmj version yet");
            }
        }
    }

    private static boolean isEmpty(JsonNode section) {
        return section.isNull() || (section.isContainerNode() && section.isEmpty());
    }
}
