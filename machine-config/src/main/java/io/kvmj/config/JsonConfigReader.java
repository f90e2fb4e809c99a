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
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Turns config text into {@link ConfigFileJson.Root}, and CPU template text into {@link ConfigFileJson.CpuConfigJson},
 * with strict Jackson settings. Two steps: parse to a tree (syntax, duplicate keys, trailing garbage, with
 * line/column), then bind the tree (unknown keys, types, required keys, with key paths). The tree also lets
 * {@link JacksonErrors} say what value was actually found.
 */
final class JsonConfigReader {
    /** Far above any real config or template; stops a wrong path (a kernel, /dev/zero) from being read whole. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private static final ObjectMapper MAPPER = strictMapper();

    private JsonConfigReader() {}

    static ConfigFileJson.Root read(String json) throws ConfigException {
        ObjectNode root = parseObject(json, Keys.Scope.CONFIG);
        UnsupportedSections.removeEmpty(root);
        return bind(root, ConfigFileJson.Root.class, Keys.Scope.CONFIG);
    }

    /** The text of a CPU template file; errors name keys within {@code scope}. */
    static ConfigFileJson.CpuConfigJson readCpuTemplate(String json, Keys.Scope scope) throws ConfigException {
        return bind(parseObject(json, scope), ConfigFileJson.CpuConfigJson.class, scope);
    }

    /** Binds a parsed document, or a part of one that {@code scope} names, to a {@link ConfigFileJson} record. */
    static <T> T bind(JsonNode tree, Class<T> type, Keys.Scope scope) throws ConfigException {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JacksonException e) {
            throw JacksonErrors.binding(e, tree, scope);
        } catch (IllegalArgumentException e) {
            // treeToValue wraps some failures this way; keep the one-line contract anyway
            throw new ConfigException(scope.key(""), "invalid config: " + e.getMessage());
        }
    }

    /**
     * Reads a JSON file (a config, a CPU template) as text, without a leading byte-order mark.
     *
     * @param key names the file in errors
     * @param kind what the file should be, for the "too large" hint
     */
    static String readFile(Path file, String key, String kind) throws ConfigException {
        try {
            if (Files.isDirectory(file)) throw new ConfigException(key, "is a directory, not a file");
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new ConfigException(key, "too large (over " + MAX_FILE_BYTES + " bytes); is it a " + kind + "?");
            }
            String text = Files.readString(file);
            // Some Windows editors start UTF-8 files with a byte-order mark; it is not JSON.
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (NoSuchFileException e) {
            throw new ConfigException(key, "file not found");
        } catch (AccessDeniedException e) {
            throw new ConfigException(key, "permission denied");
        } catch (CharacterCodingException e) {
            throw new ConfigException(key, "not valid UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read: " + e.getMessage());
        }
    }

    private static ObjectNode parseObject(String json, Keys.Scope scope) throws ConfigException {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw JacksonErrors.syntax(e, scope);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new ConfigException(scope.key(""), "document is empty, expected a JSON object");
        }
        if (!(tree instanceof ObjectNode object)) {
            throw new ConfigException(scope.key(""), "expected a JSON object, got " + JacksonErrors.describe(tree));
        }
        return object;
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
