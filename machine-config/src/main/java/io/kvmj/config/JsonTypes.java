package io.kvmj.config;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** The {@link JsonType}s of the config file's values, other than objects (those are {@link JsonObjectType}s). */
final class JsonTypes {
    static final JsonType<Integer> INT = (value, at) -> integer(value, at, Integer.SIZE).intValue();

    static final JsonType<Long> LONG = (value, at) -> integer(value, at, Long.SIZE).longValue();

    static final JsonType<Boolean> BOOLEAN = (value, at) -> {
        if (value instanceof JsonValue.JsonBoolean b) return b.value();
        throw mismatch("a boolean (true or false)", value, at);
    };

    static final JsonType<String> STRING = (value, at) -> {
        if (value instanceof JsonValue.JsonString s) return s.value();
        throw mismatch("a string", value, at);
    };

    /** Any value, JSON null included, left for the mapper to interpret (numbers as strings, "only empty" lists). */
    static final JsonType<JsonValue> ANY = new JsonType<>() {
        @Override
        public JsonValue bind(JsonValue value, KeyPath at) {
            return value;
        }

        @Override
        public boolean acceptsNull() {
            return true;
        }
    };

    private JsonTypes() {}

    /** An array whose elements are all {@code element}s; a null element is refused. */
    static <T> JsonType<List<T>> listOf(JsonType<T> element) {
        return (value, at) -> {
            if (!(value instanceof JsonValue.JsonArray array)) throw mismatch("an array", value, at);
            List<T> list = new ArrayList<>(array.elements().size());
            for (int i = 0; i < array.elements().size(); i++) {
                JsonValue e = array.elements().get(i);
                if (e instanceof JsonValue.JsonNull) throw at.index(i).error("must not be null");
                list.add(element.bind(e, at.index(i)));
            }
            return List.copyOf(list);
        };
    }

    /** "expected {@code expected}, got ..." at {@code at}. */
    static ConfigException mismatch(String expected, JsonValue value, KeyPath at) {
        return at.error("expected " + expected + ", got " + value.describe());
    }

    // A JSON integer that fits a two's-complement number of {@code bits}.
    private static BigInteger integer(JsonValue value, KeyPath at, int bits) throws ConfigException {
        if (!(value instanceof JsonValue.JsonInteger i)) throw mismatch("an integer", value, at);
        if (i.value().bitLength() >= bits) throw at.error("number " + i.value() + " is out of range");
        return i.value();
    }
}
