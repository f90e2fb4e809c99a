package io.kvmj.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON object bound to a record {@code R} through its {@link JsonField}s; any other key is refused, naming it and
 * the known keys. Of several problems the first reported is a bad value of a known key, in document order; else
 * the first unknown key, since a misspelt key explains more than the missing one it was meant to be; else the
 * first missing required key.
 */
final class JsonObjectType<R> implements JsonType<R> {
    /** Builds the record from the values of its fields. */
    @FunctionalInterface
    interface Constructor<R> {
        R construct(Values values);
    }

    /** The bound values of one object's fields; an absent or null optional key has null. */
    static final class Values {
        private final Map<String, Object> byKey;

        private Values(Map<String, Object> byKey) {
            this.byKey = byKey;
        }

        @SuppressWarnings("unchecked") // put by JsonField.bind of the same field, so of its type
        <T> T get(JsonField<T> field) {
            return (T) byKey.get(field.key());
        }
    }

    private final Constructor<R> constructor;
    private final Map<String, JsonField<?>> fields = new LinkedHashMap<>();
    private final List<String> knownKeys;

    /** {@code fields} in the order the "known:" hint lists them. */
    JsonObjectType(Constructor<R> constructor, JsonField<?>... fields) {
        this.constructor = constructor;
        List<String> known = new ArrayList<>();
        for (JsonField<?> field : fields) {
            this.fields.put(field.key(), field);
            known.add(field.key());
        }
        this.knownKeys = List.copyOf(known);
    }

    @Override
    public R bind(JsonValue value, KeyPath at) throws ConfigException {
        if (!(value instanceof JsonValue.JsonObject object)) throw JsonTypes.mismatch("an object", value, at);
        Map<String, Object> values = new HashMap<>();
        String firstUnknown = null;
        for (Map.Entry<String, JsonValue> member : object.members().entrySet()) {
            JsonField<?> field = fields.get(member.getKey());
            if (field != null) {
                values.put(field.key(), field.bind(member.getValue(), at.key(field.key())));
            } else if (firstUnknown == null) {
                firstUnknown = member.getKey();
            }
        }
        if (firstUnknown != null) {
            throw at.error("unknown key \"" + firstUnknown + "\" (known: " + String.join(", ", knownKeys) + ")");
        }
        for (JsonField<?> field : fields.values()) {
            if (field.required() && !object.members().containsKey(field.key())) {
                throw at.key(field.key()).error("required key missing");
            }
        }
        return constructor.construct(new Values(values));
    }
}
