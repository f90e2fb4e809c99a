package io.kvmj.config;

/**
 * One key of a JSON object and the type of its value. A required key must be present and, unless its type
 * {@linkplain JsonType#acceptsNull() accepts null}, not null; an optional key that is null counts as absent.
 */
record JsonField<T>(String key, JsonType<T> type, boolean required) {
    static <T> JsonField<T> required(String key, JsonType<T> type) {
        return new JsonField<>(key, type, true);
    }

    static <T> JsonField<T> optional(String key, JsonType<T> type) {
        return new JsonField<>(key, type, false);
    }

    /** The Java value of {@code value}, found at {@code at}; null for an optional key that is null. */
    T bind(JsonValue value, KeyPath at) throws ConfigException {
        if (value instanceof JsonValue.JsonNull && !type.acceptsNull()) {
            if (required) throw at.error("must not be null");
            return null;
        }
        return type.bind(value, at);
    }
}
