package io.kvmj.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Turns config text into {@link ConfigFileJson.Root} with strict Jackson settings. Two steps: parse to a tree
 * (syntax, duplicate keys, trailing garbage, with line/column), then bind the tree (unknown keys, types,
 * required keys, with key paths). The tree also lets {@link JacksonErrors} say what value was actually found.
 */
final class JsonConfigReader {
    private static final ObjectMapper MAPPER = strictMapper();

    private JsonConfigReader() {}

    static ConfigFileJson.Root read(String json) throws ConfigException {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw JacksonErrors.syntax(e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new ConfigException(Keys.TOP_LEVEL, "config is empty, expected a JSON object");
        }
        if (!(tree instanceof ObjectNode root)) {
            throw new ConfigException(Keys.TOP_LEVEL, "expected a JSON object, got " + JacksonErrors.describe(tree));
        }
        UnsupportedSections.removeEmpty(root);
        CpuConfigMapper.checkNotPath(root);
        try {
            return MAPPER.treeToValue(root, ConfigFileJson.Root.class);
        } catch (JacksonException e) {
            throw JacksonErrors.binding(e, root);
        } catch (IllegalArgumentException e) {
            // treeToValue wraps some failures this way; keep the one-line contract anyway
            throw new ConfigException(Keys.TOP_LEVEL, "invalid config: " + e.getMessage());
        }
    }

    /** Shared with {@link ConfigWriter} so output formatting matches input expectations. */
    static ObjectMapper mapper() {
        return MAPPER;
    }

    private static ObjectMapper strictMapper() {
        ObjectMapper mapper = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        // No silent conversions between JSON types ("2" -> 2, 1 -> true, 2 -> "2", "" -> null).
        mapper.coercionConfigDefaults()
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return mapper;
    }
}
