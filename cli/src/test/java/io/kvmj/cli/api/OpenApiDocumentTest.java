package io.kvmj.cli.api;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/api/openapi.yaml against the router: the same paths and methods, each operation with a fault answer, each
 * PUT/PATCH with a body, and the action and state values the handlers take.
 */
class OpenApiDocumentTest {
    /** Surefire runs in the module's directory; the document is the project's. */
    private static final Path DOCUMENT = Path.of("..", "docs", "api", "openapi.yaml");
    private static final List<String> METHODS = List.of("get", "put", "patch", "post", "delete", "head", "options");

    private static Map<String, Object> document() throws Exception {
        try (Reader in = Files.newBufferedReader(DOCUMENT)) {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        }
    }

    @Test
    void theDocumentListsExactlyTheRoutesKvmjServes() throws Exception {
        SortedSet<String> documented = new TreeSet<>();
        for (Map.Entry<String, Object> path : map(document(), "paths").entrySet()) {
            // the router names every id segment {id}; the document names it as Firecracker does ({drive_id})
            String route = path.getKey().replaceAll("\\{[^}/]+}", "{id}");
            for (String method : map(document(), "paths", path.getKey()).keySet()) {
                assertTrue(METHODS.contains(method), path.getKey() + ": not an operation: " + method);
                documented.add(method.toUpperCase(Locale.ROOT) + " " + route);
            }
        }
        SortedSet<String> served = new MicroVmApi("1", Path.of("."), c -> {}, c -> new FakeMachine()).routes();
        assertEquals(served, documented);
    }

    @Test
    void everyOperationSaysHowItFailsAndEveryChangeTakesABody() throws Exception {
        Map<String, Object> paths = map(document(), "paths");
        for (String path : paths.keySet()) {
            for (Map.Entry<String, Object> op : map(paths, path).entrySet()) {
                String where = op.getKey() + " " + path;
                Map<String, Object> responses = map(map(paths, path), op.getKey(), "responses");
                assertTrue(responses.containsKey("default"), where + ": no default (fault) response");
                assertTrue(responses.keySet().stream().anyMatch(s -> s.startsWith("2")), where + ": no success");
                boolean changes = op.getKey().equals("put") || op.getKey().equals("patch");
                assertEquals(changes, map(paths, path, op.getKey()).containsKey("requestBody"), where + ": body");
                if (changes) assertTrue(responses.containsKey("400"), where + ": no 400 fault");
            }
        }
    }

    @Test
    void theActionsAndStatesAreTheOnesTheHandlersTake() throws Exception {
        Map<String, Object> schemas = map(document(), "components", "schemas");
        assertEquals(List.of(InstanceActions.INSTANCE_START, InstanceActions.SEND_CTRL_ALT_DEL,
                InstanceActions.FLUSH_METRICS), map(schemas, "InstanceActionInfo", "properties", "action_type")
                .get("enum"));
        assertEquals(List.of(VmState.PAUSED, VmState.RESUMED), map(schemas, "Vm", "properties", "state").get("enum"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> root, String... keys) {
        Map<String, Object> m = root;
        for (String key : keys) {
            Object next = m.get(key);
            assertTrue(next instanceof Map, "no object at " + String.join(".", keys));
            m = (Map<String, Object>) next;
        }
        return m;
    }
}
