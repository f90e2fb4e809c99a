package io.kvmj.config;

import static io.kvmj.config.JsonField.optional;
import static io.kvmj.config.JsonField.required;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * The {@link JsonType}s of Firecracker keys this kvmj version does not implement. Each accepts the values that ask
 * Firecracker for nothing (the key's default, an empty list, a rate limiter without active buckets), so configs
 * shaped like Firecracker's {@code GET /vm/config} output load, and refuses any other in one line naming the
 * feature it asks for: {@code drives[0].socket: vhost-user block devices are not supported by this kvmj version
 * yet (got string "/tmp/x.sock"; use null or omit the key)}. JSON null never reaches them (an optional key that is
 * null counts as absent); they bind to Java null, since there is nothing to keep.
 *
 * <p>The schema is Firecracker's {@code VmmConfig} and the {@code vmm_config} structs it is made of
 * ({@code src/vmm/src/resources.rs}, {@code src/vmm/src/vmm_config/}); the defaults are their serde defaults.
 */
final class UnsupportedKeys {
    private UnsupportedKeys() {}

    /**
     * A key whose every value but null asks for something ({@code drives[].socket}, {@code logger.log_path}).
     *
     * @param feature what a value asks for, with its verb ("vhost-user block devices are")
     */
    static JsonType<Void> onlyNull(String feature) {
        return (value, at) -> {
            throw unsupported(at, feature, value.describe(), "use null or omit the key");
        };
    }

    /**
     * A device section ({@code vsock}, {@code balloon}): Firecracker makes the device for any object, so only
     * null means none; kvmj takes {@code {}} for none too, as it always has for sections it does not implement.
     */
    static JsonType<Void> onlyEmptyObject(String feature) {
        return (value, at) -> {
            if (value instanceof JsonValue.JsonObject o && o.members().isEmpty()) return null;
            throw unsupported(at, feature, value.describe(), "use null, {} or omit the key");
        };
    }

    /** A list section ({@code pmem}): only {@code []}. */
    static JsonType<Void> onlyEmptyList(String feature) {
        return (value, at) -> {
            if (!(value instanceof JsonValue.JsonArray array)) throw JsonTypes.mismatch("an array", value, at);
            if (!array.elements().isEmpty()) {
                throw unsupported(at, feature, "an array of " + array.elements().size(), "use [] or omit the key");
            }
            return null;
        };
    }

    /** A boolean whose default is false (the logger's {@code show_level}). */
    static JsonType<Void> onlyFalse(String feature) {
        return (value, at) -> {
            if (JsonTypes.BOOLEAN.bind(value, at)) {
                throw unsupported(at, feature, value.describe(), "use false or omit the key");
            }
            return null;
        };
    }

    /**
     * A string enum ({@code huge_pages}, {@code io_engine}): {@code defaultValue} is accepted, Firecracker's
     * {@code others} are refused as unsupported, anything else as not one of Firecracker's values.
     */
    static JsonType<Void> onlyDefault(String feature, String defaultValue, String... others) {
        return onlyDefault(feature, false, defaultValue, others);
    }

    /** {@link #onlyDefault(String, String, String...)} for enums Firecracker reads ignoring case. */
    private static JsonType<Void> onlyDefaultIgnoringCase(String feature, String defaultValue, String... others) {
        return onlyDefault(feature, true, defaultValue, others);
    }

    private static JsonType<Void> onlyDefault(String feature, boolean ignoreCase, String defaultValue,
                                              String... others) {
        BiPredicate<String, String> same = ignoreCase ? String::equalsIgnoreCase : String::equals;
        List<String> all = new ArrayList<>();
        all.add(defaultValue);
        all.addAll(List.of(others));
        return (value, at) -> {
            String given = JsonTypes.STRING.bind(value, at);
            if (same.test(given, defaultValue)) return null;
            for (String other : others) {
                if (same.test(given, other)) {
                    throw unsupported(at, feature, value.describe(),
                            "use " + ConfigFileMapper.quote(defaultValue) + " or omit the key");
                }
            }
            throw JsonTypes.mismatch(oneOf(all), value, at);
        };
    }

    private static final String RATE_LIMITS = "I/O rate limits are";

    /** A token bucket's numbers; {@code one_time_burst} is bound only to check its type. */
    private record TokenBucketJson(long size, long refillTime) {
        private static final JsonField<Long> SIZE = required(Keys.SIZE, JsonTypes.LONG);
        private static final JsonField<Long> REFILL_TIME = required(Keys.REFILL_TIME, JsonTypes.LONG);
        private static final JsonField<Long> ONE_TIME_BURST = optional(Keys.ONE_TIME_BURST, JsonTypes.LONG);

        static final JsonObjectType<TokenBucketJson> TYPE = new JsonObjectType<>(
                v -> new TokenBucketJson(v.get(SIZE), v.get(REFILL_TIME)), SIZE, REFILL_TIME, ONE_TIME_BURST);
    }

    /** A token bucket that limits nothing: {@code size} or {@code refill_time} 0 (both are u64 in Firecracker). */
    private static final JsonType<Void> DISABLED_TOKEN_BUCKET = (value, at) -> {
        TokenBucketJson bucket = TokenBucketJson.TYPE.bind(value, at);
        if (bucket.size() < 0) throw at.key(Keys.SIZE).error("must be at least 0 (got " + bucket.size() + ")");
        if (bucket.refillTime() < 0) {
            throw at.key(Keys.REFILL_TIME).error("must be at least 0 (got " + bucket.refillTime() + ")");
        }
        if (bucket.size() != 0 && bucket.refillTime() != 0) {
            throw unsupported(at, RATE_LIMITS, "size " + bucket.size() + ", refill_time " + bucket.refillTime(),
                    "use null, or size or refill_time 0");
        }
        return null;
    };

    /**
     * Firecracker's {@code RateLimiter} ({@code drives[].rate_limiter}, {@code entropy.rate_limiter}, a network
     * interface's {@code rx_rate_limiter} and {@code tx_rate_limiter}): its {@code bandwidth} and {@code ops} token
     * buckets. It limits nothing when both are null or absent, or when a bucket has {@code size} or
     * {@code refill_time} 0: Firecracker's {@code TokenBucket::new} makes no bucket then.
     */
    static final JsonType<Void> RATE_LIMITER = new JsonObjectType<>(v -> null,
            optional(Keys.BANDWIDTH, DISABLED_TOKEN_BUCKET), optional(Keys.OPS, DISABLED_TOKEN_BUCKET));

    private static final String LOGGER_SETTINGS = "Firecracker's logger settings are";

    /**
     * Firecracker's {@code logger} section, accepted when every key holds Firecracker's default: no log file,
     * level Info (any case), neither level nor origin shown, no module filter. kvmj logs to stderr instead
     * ({@code --log-level}).
     */
    static final JsonType<Void> LOGGER = new JsonObjectType<>(v -> null,
            optional(Keys.LOG_PATH, onlyNull(LOGGER_SETTINGS)),
            optional(Keys.LEVEL, onlyDefaultIgnoringCase(LOGGER_SETTINGS, "Info",
                    "Error", "Warning", "Warn", "Debug", "Trace", "Off")),
            optional(Keys.SHOW_LEVEL, onlyFalse(LOGGER_SETTINGS)),
            optional(Keys.SHOW_LOG_ORIGIN, onlyFalse(LOGGER_SETTINGS)),
            optional(Keys.MODULE, onlyNull(LOGGER_SETTINGS)));

    private static ConfigException unsupported(KeyPath at, String feature, String got, String accepted) {
        return at.error(feature + " not supported by this kvmj version yet (got " + got + "; " + accepted + ")");
    }

    // "\"None\", \"Transparent\" or \"2M\""
    private static String oneOf(List<String> values) {
        List<String> quoted = values.stream().map(ConfigFileMapper::quote).toList();
        return String.join(", ", quoted.subList(0, quoted.size() - 1)) + " or " + quoted.getLast();
    }
}
