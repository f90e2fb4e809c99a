package io.kvmj.config;

import static io.kvmj.config.ConfigAssertions.assertError;
import static io.kvmj.config.ConfigAssertions.assertErrorFrom;
import static io.kvmj.config.ConfigAssertions.createKernel;
import static io.kvmj.config.ConfigAssertions.minimalWith;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text that is not one well-formed JSON object: reported with line and column. */
class ConfigSyntaxErrorTest {
    @TempDir
    Path dir;

    @BeforeEach
    void kernel() throws IOException {
        createKernel(dir);
    }

    @Test
    void malformedJsonGivesLineAndColumn() {
        String json = "{\n  \"boot-source\": {\"kernel_image_path\": \"vmlinux\"},\n  }\n";
        assertErrorFrom(() -> ConfigLoader.parse(json, dir), "line 3, column ", "malformed JSON");
    }

    @Test
    void truncatedJson() {
        assertErrorFrom(() -> ConfigLoader.parse("{\"boot-source\": {", dir), "line 1, column ", "malformed JSON");
    }

    @Test
    void trailingGarbage() {
        assertErrorFrom(() -> ConfigLoader.parse(minimalWith("") + " xyz", dir), "line 1, column ", "malformed JSON");
    }

    @Test
    void trailingSecondObject() {
        assertErrorFrom(() -> ConfigLoader.parse(minimalWith("") + "\n{}", dir), "line 2, column ",
                "after the end of the top-level JSON object");
    }

    @Test
    void duplicateKeyNamesItsPath() {
        String json = "{" + ConfigAssertions.MINIMAL_BOOT
                + ", \"machine-config\": {\"vcpu_count\": 1, \"vcpu_count\": 2, \"mem_size_mib\": 128}}";
        assertError(json, dir, "machine-config.vcpu_count", "duplicate key (line 1, column ");
    }

    @Test
    void duplicateKeyInAnArrayElementNamesItsIndex() {
        String json = minimalWith(", \"drives\": [{\"drive_id\": \"a\", \"path_on_host\": \"a.img\"},"
                + " {\"drive_id\": \"b\", \"drive_id\": \"c\"}]");
        assertError(json, dir, "drives[1].drive_id", "duplicate key (line 1, column ");
    }

    @Test
    void duplicateTopLevelSection() {
        assertError(minimalWith(", " + ConfigAssertions.MINIMAL_MACHINE), dir, "machine-config", "duplicate key");
    }

    @Test
    void emptyText() {
        assertError("  \n", dir, "top level", "empty");
    }

    @Test
    void topLevelNotAnObject() {
        assertError("[1, 2]", dir, "top level", "expected a JSON object, got array");
    }

    @Test
    void commentsAreNotJson() {
        String msg = assertErrorFrom(() -> ConfigLoader.parse("// hi\n" + minimalWith(""), dir), "line 1, column ",
                "malformed JSON");
        assertFalse(msg.contains("ALLOW_COMMENTS"), msg);
    }
}
