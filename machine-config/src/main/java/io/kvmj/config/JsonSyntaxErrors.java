package io.kvmj.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import java.util.LinkedList;

/**
 * Maps jackson-core's parse exceptions (multi-line, quoting the source) to one-line {@link ConfigException}s with
 * line and column, as seen from the {@link Keys.Scope} of the document being read.
 */
final class JsonSyntaxErrors {
    private JsonSyntaxErrors() {}

    /** For failures while parsing text: malformed JSON, duplicate keys. */
    static ConfigException syntax(JacksonException e, Keys.Scope scope) {
        String where = location(e.getLocation());
        String msg = originalMessage(e);
        if (msg.startsWith("Duplicate field '")) {
            return contextPath(e, scope).error("duplicate key" + (where.isEmpty() ? "" : " (" + where + ")"));
        }
        return scope.error((where.isEmpty() ? "" : where + ": ") + "malformed JSON: " + msg);
    }

    /** For a well-formed value after the top-level one, which starts at {@code where}. */
    static ConfigException trailingContent(JsonLocation where, Keys.Scope scope) {
        String at = location(where);
        return scope.error((at.isEmpty() ? "" : at + ": ")
                + "unexpected content after the end of the top-level JSON object");
    }

    // The key path where the parser stood when it failed.
    private static KeyPath contextPath(JacksonException e, Keys.Scope scope) {
        LinkedList<JsonStreamContext> contexts = new LinkedList<>(); // outermost first
        if (e.getProcessor() instanceof JsonParser p) {
            for (JsonStreamContext c = p.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
                contexts.addFirst(c);
            }
        }
        KeyPath path = KeyPath.root(scope);
        for (JsonStreamContext c : contexts) {
            if (c.inObject() && c.getCurrentName() != null) path = path.key(c.getCurrentName());
            else if (c.inArray()) path = path.index(Math.max(0, c.getCurrentIndex()));
        }
        return path;
    }

    private static String location(JsonLocation loc) {
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
