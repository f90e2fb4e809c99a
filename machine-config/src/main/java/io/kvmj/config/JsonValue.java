package io.kvmj.config;

import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed JSON value, immutable: what {@link JsonTreeParser} produces and {@link JsonType}s bind. Objects keep
 * their keys in document order, so problems can be reported in the order a reader meets them.
 */
sealed interface JsonValue {
    /** Longest string shown in {@link #describe()}, quotes included. */
    int MAX_QUOTED = 40;

    /** A short, one-line description for error messages, e.g. {@code string "2"} or {@code float 2.5}. */
    String describe();

    /** Whether {@code value} is absent (Java null) or JSON null: the two mean the same for optional keys. */
    static boolean isNullOrAbsent(JsonValue value) {
        return value == null || value instanceof JsonNull;
    }

    record JsonObject(Map<String, JsonValue> members) implements JsonValue {
        public JsonObject {
            members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
        }

        @Override
        public String describe() {
            return "object";
        }
    }

    record JsonArray(List<JsonValue> elements) implements JsonValue {
        public JsonArray {
            elements = List.copyOf(elements);
        }

        @Override
        public String describe() {
            return "array";
        }
    }

    record JsonString(String value) implements JsonValue {
        @Override
        public String describe() {
            String json = ConfigFileMapper.quote(value);
            return "string " + (json.length() > MAX_QUOTED ? json.substring(0, MAX_QUOTED) + "...\"" : json);
        }
    }

    /** Any integer, however large: range checks belong to the binding, which names the key. */
    record JsonInteger(BigInteger value) implements JsonValue {
        @Override
        public String describe() {
            return "integer " + value;
        }
    }

    record JsonFloat(double value) implements JsonValue {
        @Override
        public String describe() {
            return "float " + value;
        }
    }

    record JsonBoolean(boolean value) implements JsonValue {
        @Override
        public String describe() {
            return "boolean " + value;
        }
    }

    record JsonNull() implements JsonValue {
        @Override
        public String describe() {
            return "null";
        }
    }
}
