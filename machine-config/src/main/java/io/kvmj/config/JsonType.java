package io.kvmj.config;

/**
 * How a JSON value binds to a Java value of type {@code T}; see {@link JsonTypes} for the ones kvmj uses. Strict:
 * no conversions between JSON types ("2" is not 2, 1 is not true, 2.0 is not 2).
 */
@FunctionalInterface
interface JsonType<T> {
    /** Binds {@code value}, which is JSON null only if {@link #acceptsNull()}; errors name {@code at}. */
    T bind(JsonValue value, KeyPath at) throws ConfigException;

    /** Whether JSON null is passed to {@link #bind} as a value, rather than meaning "no value". */
    default boolean acceptsNull() {
        return false;
    }
}
