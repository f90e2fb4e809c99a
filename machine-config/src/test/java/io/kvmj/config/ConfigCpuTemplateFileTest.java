package io.kvmj.config;

import static io.kvmj.config.ConfigAssertions.assertError;
import static io.kvmj.config.ConfigAssertions.assertErrorFrom;
import static io.kvmj.config.ConfigAssertions.createKernel;
import static io.kvmj.config.ConfigAssertions.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpu-config} as the path of a template file, as in Firecracker's {@code --config-file}. */
class ConfigCpuTemplateFileTest {
    private static final String X32 = "x".repeat(32);
    private static final String X64 = "x".repeat(64);
    /** Clears CPUID.1:ECX[13] (CX16), keeps the rest. */
    private static final String NO_CX16 = "0b" + "x".repeat(18) + "0" + "x".repeat(13);

    private static final String TEMPLATE = """
            {
              "cpuid_modifiers": [
                {"leaf": "0x1", "subleaf": "0x0", "flags": 0,
                 "modifiers": [{"register": "ECX", "bitmap": "%s"}]}
              ],
              "msr_modifiers": [{"addr": "0x10a", "bitmap": "0b%s"}]
            }
            """.formatted(NO_CX16, X64);

    private static final CpuConfig EXPECTED = new CpuConfig(
            List.of(new CpuidModifierConfig(1, 0, 0, List.of(new RegisterBitmap("ecx", NO_CX16)))),
            List.of(new MsrModifierConfig(0x10a, "0b" + X64)));

    @TempDir
    Path dir;

    @BeforeEach
    void kernel() throws IOException {
        createKernel(dir);
    }

    private static String withPath(String path) {
        return minimalWith(", \"cpu-config\": " + ConfigFileMapper.quote(path));
    }

    private Path template(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    /**
     * Expects the one-line error for a config naming {@code t2s.json} that holds {@code text}: starting
     * {@code cpu-config (t2s.json): } and {@code where} (a key path and ": ", or a location), containing
     * {@code fragment}.
     */
    private String assertFileError(String text, String where, String fragment) throws IOException {
        template("t2s.json", text);
        return assertErrorFrom(() -> ConfigLoader.parse(withPath("t2s.json"), dir), "cpu-config (t2s.json): " + where,
                fragment);
    }

    // ---- good ----

    @Test
    void relativePathResolvesAgainstTheConfigDirectory() throws Exception {
        template("t2s.json", TEMPLATE);
        CpuConfig cpu = ConfigLoader.parse(withPath("t2s.json"), dir).cpuConfig();
        assertEquals(EXPECTED, cpu);
        assertNull(cpu.templateFile());
    }

    @Test
    void relativePathFromLoadedConfigFile() throws Exception {
        template("templates/t2s.json", TEMPLATE);
        Path config = Files.writeString(dir.resolve("vm.json"), withPath("templates/t2s.json"));
        assertEquals(EXPECTED, ConfigLoader.load(config).cpuConfig());
    }

    @Test
    void absolutePath() throws Exception {
        Path file = template("elsewhere/t2s.json", TEMPLATE);
        assertTrue(file.isAbsolute());
        assertEquals(EXPECTED, ConfigLoader.parse(withPath(file.toString()), dir).cpuConfig());
    }

    @Test
    void sameAsInlineAndWrittenInline() throws Exception {
        template("t2s.json", TEMPLATE);
        VmConfig fromFile = ConfigLoader.parse(withPath("t2s.json"), dir);
        VmConfig inline = ConfigLoader.parse(minimalWith(", \"cpu-config\": " + TEMPLATE), dir);
        assertEquals(inline, fromFile);
        String out = ConfigLoader.toJson(fromFile);
        assertTrue(out.contains("\"cpuid_modifiers\""), out);
        assertEquals(fromFile, ConfigLoader.parse(out, Path.of("/")));
    }

    @Test
    void emptyTemplateAndByteOrderMark() throws Exception {
        template("t2s.json", "\uFEFF{\"kvm_capabilities\": []}");
        assertEquals(new CpuConfig(List.of(), List.of()), ConfigLoader.parse(withPath("t2s.json"), dir).cpuConfig());
    }

    @Test
    void codeBuiltTemplateFile() throws Exception {
        template("t2s.json", TEMPLATE);
        VmConfig raw = new VmConfig(new BootSource(Path.of("vmlinux"), null, null), new MachineSpec(1, 64, false, false),
                null, null, null, null, true, CpuConfig.fromFile(Path.of("t2s.json")));
        assertEquals(EXPECTED, ConfigLoader.validate(raw, dir).cpuConfig());
        assertTrue(ConfigLoader.toJson(raw).contains("\"cpu-config\" : \"t2s.json\""));
    }

    // ---- the file ----

    @Test
    void missingFile() {
        String msg = assertError(withPath("t2s.json"), dir, "cpu-config", "file not found: ");
        assertEquals("cpu-config: file not found: " + dir.resolve("t2s.json") + " (resolved from \"t2s.json\")", msg);
    }

    @Test
    void codeBuiltRelativePathResolvesAgainstTheCurrentDirectory() {
        VmConfig raw = new VmConfig(new BootSource(dir.resolve("vmlinux"), null, null),
                new MachineSpec(1, 64, false, false), null, null, null, null, true,
                CpuConfig.fromFile(Path.of("no-such-template.json")));
        assertErrorFrom(() -> ConfigLoader.validate(raw), "cpu-config: ", "file not found: "
                + Path.of("").toAbsolutePath().resolve("no-such-template.json"));
    }

    @Test
    void directory() throws IOException {
        Files.createDirectory(dir.resolve("t2s.json"));
        assertError(withPath("t2s.json"), dir, "cpu-config", "is a directory, not a file: ");
    }

    @Test
    void emptyFile() throws IOException {
        template("t2s.json", "");
        assertError(withPath("t2s.json"), dir, "cpu-config", "file is empty: ");
    }

    @Test
    void emptyPath() {
        assertError(withPath(""), dir, "cpu-config", "must not be empty");
    }

    @Test
    void tooLarge() throws IOException {
        Files.write(dir.resolve("t2s.json"), new byte[(int) JsonConfigReader.MAX_FILE_BYTES + 1]);
        assertError(withPath("t2s.json"), dir, "cpu-config (t2s.json)", "too large (over 1048576 bytes); is it a"
                + " CPU template?");
    }

    @Test
    void notUtf8() throws IOException {
        Files.write(dir.resolve("t2s.json"), new byte[] {'{', (byte) 0xff, '}'});
        assertError(withPath("t2s.json"), dir, "cpu-config (t2s.json)", "not valid UTF-8");
    }

    @Test
    void templateAndModifiersTogether() {
        VmConfig raw = new VmConfig(new BootSource(Path.of("vmlinux"), null, null), new MachineSpec(1, 64, false, false),
                null, null, null, null, true, new CpuConfig(null,
                        List.of(new MsrModifierConfig(0x10a, "0b" + X64)), Path.of("t2s.json")));
        assertErrorFrom(() -> ConfigLoader.validate(raw, dir), "cpu-config: ", "template file and modifiers");
    }

    // ---- its content: named by file and key path ----

    @Test
    void malformedJson() throws IOException {
        String msg = assertFileError("{\n  \"cpuid_modifiers\": [,\n]}", "line 2, column ", "malformed JSON: ");
        assertTrue(msg.startsWith("cpu-config (t2s.json): line 2, column 23: malformed JSON: "), msg);
    }

    @Test
    void trailingContent() throws IOException {
        assertFileError("{} {}", "line 1, column ", "unexpected content after the end");
    }

    @Test
    void duplicateKey() throws IOException {
        assertFileError("{\"msr_modifiers\": [{\"addr\": 1, \"addr\": 2}]}", "msr_modifiers[0].addr: ",
                "duplicate key (line 1");
    }

    @Test
    void notAnObject() throws IOException {
        assertFileError("[]", "", "expected a JSON object, got array");
    }

    @Test
    void badBitmap() throws IOException {
        String msg = assertFileError(TEMPLATE.replace(NO_CX16, "0b" + "x".repeat(31)),
                "cpuid_modifiers[0].modifiers[0].bitmap: ", "(got 31)");
        assertEquals("cpu-config (t2s.json): cpuid_modifiers[0].modifiers[0].bitmap: must be \"0b\" followed by 32"
                + " characters 0, 1 or x (got 31)", msg);
    }

    @Test
    void badMsrBitmap() throws IOException {
        assertFileError(TEMPLATE.replace("0b" + X64, "0b" + X32), "msr_modifiers[0].bitmap: ", "(got 32)");
    }

    @Test
    void badRegister() throws IOException {
        assertFileError(TEMPLATE.replace("ECX", "rcx"), "cpuid_modifiers[0].modifiers[0].register: ", "got \"rcx\"");
    }

    @Test
    void leafOutOfRange() throws IOException {
        assertFileError(TEMPLATE.replace("\"0x1\"", "\"0x100000000\""), "cpuid_modifiers[0].leaf: ",
                "not a 32-bit number: \"0x100000000\"");
    }

    @Test
    void missingLeaf() throws IOException {
        assertFileError(TEMPLATE.replace("\"leaf\": \"0x1\",", ""), "cpuid_modifiers[0].leaf: ",
                "required key missing");
    }

    @Test
    void wrongType() throws IOException {
        assertFileError("{\"msr_modifiers\": {}}", "msr_modifiers: ", "expected an array, got object");
    }

    @Test
    void unknownKey() throws IOException {
        String msg = assertFileError("{\"cpuid\": []}", "", "unknown key \"cpuid\"");
        assertEquals("cpu-config (t2s.json): unknown key \"cpuid\" (known: kvm_capabilities, cpuid_modifiers,"
                + " msr_modifiers, vcpu_features, reg_modifiers)", msg);
    }

    @Test
    void unsupportedList() throws IOException {
        assertFileError("{\"reg_modifiers\": [{}]}", "reg_modifiers: ", "not supported by this kvmj version yet");
    }

    @Test
    void absolutePathNamedAsGiven() throws IOException {
        Path file = template("t2s.json", "{\"msr_modifiers\": [null]}");
        assertError(withPath(file.toString()), dir, "cpu-config (" + file + "): msr_modifiers[0]", "must not be null");
    }
}
