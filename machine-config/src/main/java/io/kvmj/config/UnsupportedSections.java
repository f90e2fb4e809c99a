package io.kvmj.config;

import java.util.List;

/**
 * Firecracker top-level sections this kvmj version does not implement. They are accepted only when empty
 * ({@code null}, {@code []} or {@code {}}), so Firecracker files that merely list them still load.
 * To implement one: remove its name here and add it to {@link ConfigFileJson.Root}.
 */
final class UnsupportedSections {
    static final List<String> NAMES = List.of(
            "network-interfaces",
            "balloon",
            "logger",
            "metrics",
            "mmds-config");

    private UnsupportedSections() {}

    /** A copy of {@code root} without these sections, so the binding sees only sections kvmj models. */
    static JsonValue.JsonObject removeFrom(JsonValue.JsonObject root) throws ConfigException {
        for (String name : NAMES) {
            JsonValue section = root.members().get(name);
            if (section != null && !isEmpty(section)) {
                throw new ConfigException(name, "not supported by this kvmj version yet");
            }
        }
        return root.without(NAMES);
    }

    private static boolean isEmpty(JsonValue section) {
        return switch (section) {
            case JsonValue.JsonNull ignored -> true;
            case JsonValue.JsonArray array -> array.elements().isEmpty();
            case JsonValue.JsonObject object -> object.members().isEmpty();
            default -> false;
        };
    }
}
