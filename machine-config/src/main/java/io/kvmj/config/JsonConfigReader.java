package io.kvmj.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Turns config text into {@link ConfigFileJson.Root}, and CPU template text into {@link ConfigFileJson.CpuConfigJson}.
 * Two steps: parse to a {@link JsonValue} tree (syntax, duplicate keys, trailing garbage, with line/column), then
 * bind the tree (unknown keys, types, required keys, with key paths). The tree also lets errors say what value
 * was actually found.
 */
final class JsonConfigReader {
    /** Far above any real config or template; stops a wrong path (a kernel, /dev/zero) from being read whole. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private JsonConfigReader() {}

    static ConfigFileJson.Root read(String json) throws ConfigException {
        return read(json, ConfigFileJson.Root.TYPE);
    }

    /** {@link #read(String)} for a config whose {@code boot-source} may still be missing. */
    static ConfigFileJson.Root readIncomplete(String json) throws ConfigException {
        return read(json, ConfigFileJson.Root.INCOMPLETE_TYPE);
    }

    private static ConfigFileJson.Root read(String json, JsonObjectType<ConfigFileJson.Root> type)
            throws ConfigException {
        Keys.Scope scope = Keys.Scope.CONFIG;
        return type.bind(JsonTreeParser.parseObject(json, scope), KeyPath.root(scope));
    }

    /** The text of a CPU template file; errors name keys within {@code scope}. */
    static ConfigFileJson.CpuConfigJson readCpuTemplate(String json, Keys.Scope scope) throws ConfigException {
        return ConfigFileJson.CpuConfigJson.TYPE.bind(JsonTreeParser.parseObject(json, scope), KeyPath.root(scope));
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
}
