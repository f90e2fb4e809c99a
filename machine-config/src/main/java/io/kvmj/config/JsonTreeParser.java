package io.kvmj.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses a document that must be one JSON object into a {@link JsonValue} tree, with jackson-core's streaming
 * parser: strict JSON (no comments, no trailing commas), duplicate keys refused, nothing after the object.
 * The whole document is parsed before anything is bound, so syntax problems are reported first, with line and
 * column.
 */
final class JsonTreeParser {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private JsonTreeParser() {}

    /** Errors name {@code scope}, the document {@code text} is. */
    static JsonValue.JsonObject parseObject(String text, Keys.Scope scope) throws ConfigException {
        JsonValue document;
        try (JsonParser parser = FACTORY.createParser(text)) {
            if (parser.nextToken() == null) {
                throw new ConfigException(scope.key(""), "document is empty, expected a JSON object");
            }
            document = value(parser);
            if (parser.nextToken() != null) {
                throw JsonSyntaxErrors.trailingContent(parser.currentTokenLocation(), scope);
            }
        } catch (JacksonException e) {
            throw JsonSyntaxErrors.syntax(e, scope);
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from a string", e); // no I/O: only parse errors occur
        }
        if (!(document instanceof JsonValue.JsonObject object)) {
            throw new ConfigException(scope.key(""), "expected a JSON object, got " + document.describe());
        }
        return object;
    }

    // The value starting at the parser's current token; leaves the parser on its last token.
    private static JsonValue value(JsonParser parser) throws IOException {
        return switch (parser.currentToken()) {
            case START_OBJECT -> {
                Map<String, JsonValue> members = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    parser.nextToken();
                    members.put(key, value(parser));
                }
                yield new JsonValue.JsonObject(members);
            }
            case START_ARRAY -> {
                List<JsonValue> elements = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    elements.add(value(parser));
                }
                yield new JsonValue.JsonArray(elements);
            }
            case VALUE_STRING -> new JsonValue.JsonString(parser.getText());
            case VALUE_NUMBER_INT -> new JsonValue.JsonInteger(parser.getBigIntegerValue());
            case VALUE_NUMBER_FLOAT -> new JsonValue.JsonFloat(parser.getDoubleValue());
            case VALUE_TRUE -> new JsonValue.JsonBoolean(true);
            case VALUE_FALSE -> new JsonValue.JsonBoolean(false);
            case VALUE_NULL -> new JsonValue.JsonNull();
            // END_*, FIELD_NAME: never where a value starts; the others come only from non-text sources
            default -> throw new IllegalStateException("unexpected JSON token " + parser.currentToken());
        };
    }
}
