package io.kvmj.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;

/**
 * Maps Jackson's exceptions (multi-line, naming Java types) to one-line {@link ConfigException}s naming the
 * JSON key path, as seen from the {@link Keys.Scope} of the document being read. Rather than parsing Jackson's
 * wording, it looks at the offending value in the tree.
 */
final class JacksonErrors {
    private static final int MAX_QUOTED = 40;

    private JacksonErrors() {}

    /** For failures while parsing text: malformed JSON, duplicate keys, trailing content. */
    static ConfigException syntax(JacksonException e, Keys.Scope scope) {
        String where = location(e);
        String msg = originalMessage(e);
        if (msg.startsWith("Duplicate field '")) {
            String key = scope.key(format(contextSegments(e)));
            return new ConfigException(key, "duplicate key" + (where.isEmpty() ? "" : " (" + where + ")"));
        }
        String prefix = where.isEmpty() ? "" : where + ": ";
        if (e instanceof MismatchedInputException && msg.startsWith("Trailing token")) {
            return scope.error(prefix + "unexpected content after the end of the top-level JSON object");
        }
        return scope.error(prefix + "malformed JSON: " + msg);
    }

    /** For failures while binding the parsed tree {@code root} to a {@link ConfigFileJson} record. */
    static ConfigException binding(JacksonException e, JsonNode root, Keys.Scope scope) {
        List<Object> path = path(e);
        List<Object> parentPath = path.subList(0, Math.max(0, path.size() - 1));
        if (e instanceof UnrecognizedPropertyException u) {
            return unknownKey(scope, parentPath, u.getPropertyName(), u.getReferringClass());
        }
        String key = scope.key(format(path));
        JsonNode value = lookup(root, path);
        if (value == null) {
            // Jackson checks required keys before unknown ones; a misspelt key explains more than the
            // missing one it was meant to be, so report it first.
            Class<?> owner = owner(e);
            JsonNode parent = lookup(root, parentPath);
            if (owner != null && parent != null && parent.isObject()) {
                List<String> known = knownKeys(owner);
                for (Iterator<String> names = parent.fieldNames(); names.hasNext(); ) {
                    String name = names.next();
                    if (!known.contains(name)) return unknownKey(scope, parentPath, name, owner);
                }
            }
            return new ConfigException(key, "required key missing");
        }
        if (value.isNull()) {
            return new ConfigException(key, "must not be null");
        }
        Class<?> expected = targetType(e);
        if (expected != null && value.isIntegralNumber() && isIntegral(expected)) {
            return new ConfigException(key, "number " + value.asText() + " is out of range");
        }
        if (expected != null) {
            return new ConfigException(key, "expected " + describe(expected) + ", got " + describe(value));
        }
        return new ConfigException(key, "invalid value " + describe(value) + ": " + originalMessage(e));
    }

    private static ConfigException unknownKey(Keys.Scope scope, List<Object> parentPath, String name,
                                              Class<?> owner) {
        return new ConfigException(scope.key(format(parentPath)), "unknown key \"" + name + "\" (known: "
                + String.join(", ", knownKeys(owner)) + ")");
    }

    /** The model class that declares the last key in the error's path. */
    private static Class<?> owner(JacksonException e) {
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            Object from = m.getPath().getLast().getFrom();
            return from instanceof Class<?> c ? c : from == null ? null : from.getClass();
        }
        return null;
    }

    /** A short, one-line description of a JSON value, e.g. {@code string "2"} or {@code float 2.5}. */
    static String describe(JsonNode node) {
        if (node.isTextual()) {
            String json = node.toString();
            return "string " + (json.length() > MAX_QUOTED ? json.substring(0, MAX_QUOTED) + "...\"" : json);
        }
        if (node.isIntegralNumber()) return "integer " + node.asText();
        if (node.isNumber()) return "float " + node.asText();
        if (node.isBoolean()) return "boolean " + node.asText();
        if (node.isNull()) return "null";
        if (node.isArray()) return "array";
        if (node.isObject()) return "object";
        return node.getNodeType().toString().toLowerCase();
    }

    /** Dotted key path with [i] for array elements; "" when empty. */
    private static String format(List<Object> path) {
        StringBuilder sb = new StringBuilder();
        for (Object segment : path) {
            if (segment instanceof Integer i) {
                sb.append('[').append(i).append(']');
            } else {
                if (!sb.isEmpty()) sb.append('.');
                sb.append(segment);
            }
        }
        return sb.toString();
    }

    private static List<Object> path(JacksonException e) {
        List<Object> path = new ArrayList<>();
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            for (JsonMappingException.Reference ref : m.getPath()) {
                path.add(ref.getFieldName() != null ? ref.getFieldName() : (Object) ref.getIndex());
            }
            return path;
        }
        return contextSegments(e);
    }

    // Where the parser stood when it failed; used when Jackson did not attach a path itself.
    private static List<Object> contextSegments(JacksonException e) {
        LinkedList<Object> path = new LinkedList<>();
        if (e.getProcessor() instanceof JsonParser p) {
            for (JsonStreamContext c = p.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
                if (c.inObject() && c.getCurrentName() != null) path.addFirst(c.getCurrentName());
                else if (c.inArray()) path.addFirst(Math.max(0, c.getCurrentIndex()));
            }
        }
        return path;
    }

    private static JsonNode lookup(JsonNode root, List<Object> path) {
        JsonNode node = root;
        for (Object segment : path) {
            if (node == null) return null;
            node = segment instanceof Integer i ? node.get(i) : node.get((String) segment);
        }
        return node;
    }

    private static Class<?> targetType(JacksonException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MismatchedInputException m && m.getTargetType() != null) return m.getTargetType();
            if (t instanceof InputCoercionException c && c.getTargetType() != null) return c.getTargetType();
        }
        return null;
    }

    private static boolean isIntegral(Class<?> type) {
        return type == int.class || type == Integer.class || type == long.class || type == Long.class
                || type == short.class || type == Short.class || type == byte.class || type == Byte.class
                || type == BigInteger.class;
    }

    private static String describe(Class<?> type) {
        if (isIntegral(type)) return "an integer";
        if (type == String.class) return "a string";
        if (type == boolean.class || type == Boolean.class) return "a boolean (true or false)";
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return "a number";
        }
        if (JsonNode.class.isAssignableFrom(type)) return "a JSON value";
        if (Collection.class.isAssignableFrom(type) || type.isArray()) return "an array";
        return "an object";
    }

    // Keys a section accepts, in declaration order, for "unknown key" hints; top level adds the
    // Firecracker sections that are recognised but not implemented.
    private static List<String> knownKeys(Class<?> dto) {
        List<String> keys = new ArrayList<>();
        if (dto != null && dto.isRecord()) {
            for (var component : dto.getRecordComponents()) {
                // @JsonProperty does not target record components; it lands on the accessor
                JsonProperty p = component.getAccessor().getAnnotation(JsonProperty.class);
                keys.add(p != null ? p.value() : component.getName());
            }
        }
        if (dto == ConfigFileJson.Root.class) keys.addAll(UnsupportedSections.NAMES);
        return keys;
    }

    private static String location(JacksonException e) {
        JsonLocation loc = e.getLocation();
        if (loc == null || loc.getLineNr() < 1) return "";
        return "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    // Jackson's text without its location suffix or the quoted source excerpt, on one line.
    private static String originalMessage(JacksonException e) {
        String msg = e.getOriginalMessage();
        if (msg == null) return e.getClass().getSimpleName();
        int source = msg.indexOf("[Source:");
        if (source >= 0) {
            msg = msg.substring(0, source).replaceAll("\\s*\\(start marker at\\s*$", "");
        }
        // Hints about enabling Jackson features are meant for programmers, not config authors.
        msg = msg.replaceAll("\\s*\\([^()]*Feature '[A-Z_]+'[^()]*\\)", "");
        return msg.replaceAll("\\s+", " ").strip();
    }
}
