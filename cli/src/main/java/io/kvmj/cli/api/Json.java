package io.kvmj.cli.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The API's JSON at the HTTP edge, with jackson-core: request bodies checked to be one JSON object, and answers
 * written. What a body means is not decided here but by the machine-config module, as for a config file.
 */
final class Json {
    // Duplicate keys are refused here as the config file refuses them: a body is embedded into a config document.
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Json() {}

    /** Writes one JSON value with a generator. */
    @FunctionalInterface
    interface Writes {
        void write(JsonGenerator g) throws IOException;
    }

    /**
     * {@code body} as one compact JSON object, re-written from its tokens, so that it can be embedded in a larger
     * document and stand for exactly one value there.
     *
     * @throws ApiException 400 if the body is empty, not JSON, not an object, or has anything after the object
     */
    static String compactObject(String body) throws ApiException {
        StringWriter out = new StringWriter();
        try (JsonParser p = FACTORY.createParser(body); JsonGenerator g = FACTORY.createGenerator(out)) {
            JsonToken first = p.nextToken();
            if (first == null) throw ApiException.badRequest("the request body is empty, expected a JSON object");
            if (first != JsonToken.START_OBJECT) throw ApiException.badRequest("the request body must be a JSON object");
            g.copyCurrentStructure(p);
            if (p.nextToken() != null) {
                throw ApiException.badRequest("the request body has more after its JSON object");
            }
        } catch (JacksonException e) {
            throw ApiException.badRequest("the request body is not valid JSON: " + e.getOriginalMessage()
                    .replaceAll("\\s*[\\r\\n]+\\s*", " ") + " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from a string", e); // no I/O: only parse errors occur
        }
        return out.toString();
    }

    /** The string member {@code key} of a {@linkplain #compactObject compact} object, or null if it has none. */
    static String stringMember(String object, String key) throws ApiException {
        try (JsonParser p = FACTORY.createParser(object)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals(key)) {
                    if (value != JsonToken.VALUE_STRING) throw ApiException.badRequest(key + ": expected a string");
                    return p.getText();
                }
                p.skipChildren();
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("reading compact JSON", e); // compactObject's output parses
        }
    }

    /**
     * Refuses a {@linkplain #compactObject compact} object with a key other than {@code known}, as Firecracker's
     * bodies that deny unknown fields do.
     *
     * @throws ApiException 400 naming the first unknown key and the known ones
     */
    static void knownKeysOnly(String object, String... known) throws ApiException {
        try (JsonParser p = FACTORY.createParser(object)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (!List.of(known).contains(name)) {
                    throw ApiException.badRequest("unknown key \"" + name + "\" (known: " + String.join(", ", known)
                            + ")");
                }
                p.nextToken();
                p.skipChildren();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading compact JSON", e); // compactObject's output parses
        }
    }

    /** A JSON object whose members {@code members} writes. */
    static String object(Writes members) {
        return write(g -> {
            g.writeStartObject();
            members.write(g);
            g.writeEndObject();
        });
    }

    /** The compact JSON text {@code value} writes. */
    static String write(Writes value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            value.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a string", e); // no I/O: cannot happen
        }
        return out.toString();
    }
}
