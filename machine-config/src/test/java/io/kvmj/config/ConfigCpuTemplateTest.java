package io.kvmj.config;

import static io.kvmj.config.ConfigAssertions.assertError;
import static io.kvmj.config.ConfigAssertions.assertErrorFrom;
import static io.kvmj.config.ConfigAssertions.createKernel;
import static io.kvmj.config.ConfigAssertions.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code cpu-config}: Firecracker's custom CPU template (x86_64 part). */
class ConfigCpuTemplateTest {
    private static final String X32 = "x".repeat(32);
    private static final String X64 = "x".repeat(64);
    /** Clears CPUID.1:ECX[13] (CX16), keeps the rest. */
    private static final String NO_CX16 = "0b" + "x".repeat(18) + "0" + "x".repeat(13);

    @TempDir
    Path dir;

    @BeforeEach
    void kernel() throws IOException {
        createKernel(dir);
    }

    private static String withCpu(String body) {
        return minimalWith(", \"cpu-config\": {" + body + "}");
    }

    /** One cpuid_modifiers entry with the given leaf body. */
    private static String withLeaf(String leafBody) {
        return withCpu("\"cpuid_modifiers\": [{" + leafBody + "}]");
    }

    private static String withRegister(String register, String bitmap) {
        return withLeaf("\"leaf\": \"0x1\", \"subleaf\": \"0x0\", \"flags\": 0, \"modifiers\": [{\"register\": \""
                + register + "\", \"bitmap\": \"" + bitmap + "\"}]");
    }

    private static String withMsr(String addr, String bitmap) {
        return withCpu("\"msr_modifiers\": [{\"addr\": " + addr + ", \"bitmap\": \"" + bitmap + "\"}]");
    }

    // ---- good ----

    @Test
    void absentKeyIsNull() throws Exception {
        assertNull(ConfigLoader.parse(minimalWith(""), dir).cpuConfig());
        assertNull(ConfigLoader.parse(minimalWith(", \"cpu-config\": null"), dir).cpuConfig());
    }

    @Test
    void emptyObjectIsAnEmptyTemplate() throws Exception {
        CpuConfig cpu = ConfigLoader.parse(withCpu(""), dir).cpuConfig();
        assertEquals(new CpuConfig(List.of(), List.of()), cpu);
    }

    @Test
    void firecrackerTemplateLoadsAndRoundTrips() throws Exception {
        String json = withCpu("""
                "kvm_capabilities": [],
                "cpuid_modifiers": [
                  {"leaf": "0x1", "subleaf": "0x0", "flags": 0,
                   "modifiers": [
                     {"register": "ecx", "bitmap": "%s"},
                     {"register": "EDX", "bitmap": "0b0000_0000_0000_0000_0000_0000_0000_1xxx"}]},
                  {"leaf": "0x80000001", "subleaf": "0b0", "flags": 1, "modifiers": []},
                  {"leaf": 7, "subleaf": "0", "modifiers": [{"register": "ebx", "bitmap": "0b%s"}]}
                ],
                "msr_modifiers": [
                  {"addr": "0x10a", "bitmap": "0b%s"},
                  {"addr": 3221225600, "bitmap": "0b%s"}
                ]
                """.formatted(NO_CX16, X32, X64, "0".repeat(63) + "1"));
        VmConfig config = ConfigLoader.parse(json, dir);
        CpuConfig expected = new CpuConfig(
                List.of(new CpuidModifierConfig(1, 0, 0, List.of(new RegisterBitmap("ecx", NO_CX16),
                                new RegisterBitmap("edx", "0b" + "0".repeat(28) + "1xxx"))),
                        new CpuidModifierConfig(0x80000001L, 0, CpuidModifierConfig.SIGNIFICANT_INDEX, List.of()),
                        new CpuidModifierConfig(7, 0, 0, List.of(new RegisterBitmap("ebx", "0b" + X32)))),
                List.of(new MsrModifierConfig(0x10a, "0b" + X64),
                        new MsrModifierConfig(0xc0000080L, "0b" + "0".repeat(63) + "1")));
        assertEquals(expected, config.cpuConfig());

        String out = ConfigLoader.toJson(config);
        assertTrue(out.contains("\"leaf\" : \"0x80000001\""), out);
        assertTrue(out.contains("\"addr\" : \"0xc0000080\""), out);
        assertTrue(out.contains("\"subleaf\" : \"0x0\""), out);
        assertEquals(config, ConfigLoader.parse(out, Path.of("/")));
    }

    @Test
    void emptyTemplateRoundTrips() throws Exception {
        VmConfig config = ConfigLoader.parse(withCpu(""), dir);
        assertEquals(config, ConfigLoader.parse(ConfigLoader.toJson(config), Path.of("/")));
    }

    @Test
    void emptyAarch64ListsAccepted() throws Exception {
        CpuConfig cpu = ConfigLoader.parse(withCpu("\"kvm_capabilities\": [], \"vcpu_features\": [],"
                + " \"reg_modifiers\": null, \"cpuid_modifiers\": null, \"msr_modifiers\": []"), dir).cpuConfig();
        assertEquals(new CpuConfig(List.of(), List.of()), cpu);
    }

    @Test
    void codeBuiltTemplateIsNormalized() throws Exception {
        VmConfig raw = new VmConfig(new BootSource(Path.of("vmlinux"), null, null), new MachineSpec(1, 64, false, false),
                null, null, null, null, true, new CpuConfig(
                        List.of(new CpuidModifierConfig(1, 0, 0, List.of(new RegisterBitmap("ECX", "0b" + "x_".repeat(32))))),
                        null));
        CpuConfig cpu = ConfigLoader.validate(raw, dir).cpuConfig();
        assertEquals(new RegisterBitmap("ecx", "0b" + X32), cpu.cpuidModifiers().getFirst().modifiers().getFirst());
        assertEquals(List.of(), cpu.msrModifiers());
    }

    @Test
    void recordsCopyTheirLists() {
        List<RegisterBitmap> regs = new ArrayList<>(List.of(new RegisterBitmap("eax", "0b" + X32)));
        CpuidModifierConfig leaf = new CpuidModifierConfig(0, 0, 0, regs);
        regs.clear();
        assertEquals(1, leaf.modifiers().size());
        assertThrows(UnsupportedOperationException.class, () -> leaf.modifiers().clear());
        assertEquals(List.of(), new CpuidModifierConfig(0, 0, 0, null).modifiers());
    }

    // ---- bad ----

    @Test
    void badRegister() {
        assertError(withRegister("rax", "0b" + X32), dir, "cpu-config.cpuid_modifiers[0].modifiers[0].register",
                "expected \"eax\", \"ebx\", \"ecx\" or \"edx\", got \"rax\"");
    }

    @Test
    void shortCpuidBitmapNamesTheKeyPath() {
        String json = withLeaf("\"leaf\": \"0x1\", \"subleaf\": \"0x0\", \"modifiers\": ["
                + "{\"register\": \"eax\", \"bitmap\": \"0b" + X32 + "\"},"
                + "{\"register\": \"ecx\", \"bitmap\": \"0b" + "x".repeat(31) + "\"}]");
        String msg = assertError(json, dir, "cpu-config.cpuid_modifiers[0].modifiers[1].bitmap", "(got 31)");
        assertEquals("cpu-config.cpuid_modifiers[0].modifiers[1].bitmap: must be \"0b\" followed by 32 characters"
                + " 0, 1 or x (got 31)", msg);
    }

    @Test
    void longCpuidBitmap() {
        assertError(withRegister("eax", "0b" + X32 + "0"), dir, "cpu-config.cpuid_modifiers[0].modifiers[0].bitmap",
                "followed by 32 characters 0, 1 or x (got 33)");
    }

    @Test
    void msrBitmapNeeds64() {
        assertError(withMsr("\"0x10a\"", "0b" + X32), dir, "cpu-config.msr_modifiers[0].bitmap",
                "must be \"0b\" followed by 64 characters 0, 1 or x (got 32)");
    }

    @Test
    void msrBitmapTooLong() {
        assertError(withMsr("\"0x10a\"", "0b" + X64 + "1"), dir, "cpu-config.msr_modifiers[0].bitmap", "(got 65)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"y", "X", "2", " "})
    void badBitmapCharacter(String c) {
        assertError(withRegister("eax", "0b" + "x".repeat(5) + c + "x".repeat(26)), dir,
                "cpu-config.cpuid_modifiers[0].modifiers[0].bitmap", "(found \"" + c + "\" at index 7)");
    }

    @Test
    void bitmapWithoutPrefix() {
        assertError(withRegister("eax", X32), dir, "cpu-config.cpuid_modifiers[0].modifiers[0].bitmap",
                "must be \"0b\" followed by 32 characters");
    }

    @Test
    void leafOutOfRange() {
        assertError(withRegister("eax", "0b" + X32).replace("\"0x1\"", "\"0x100000000\""), dir,
                "cpu-config.cpuid_modifiers[0].leaf", "not a 32-bit number: \"0x100000000\"");
    }

    @Test
    void leafNegativeNumber() {
        assertError(withRegister("eax", "0b" + X32).replace("\"0x1\"", "-1"), dir,
                "cpu-config.cpuid_modifiers[0].leaf", "not a 32-bit number: -1");
    }

    @Test
    void subleafNotANumber() {
        assertError(withRegister("eax", "0b" + X32).replace("\"0x0\"", "\"0xzz\""), dir,
                "cpu-config.cpuid_modifiers[0].subleaf", "expected a number such as");
    }

    @Test
    void leafWrongType() {
        assertError(withRegister("eax", "0b" + X32).replace("\"0x1\"", "1.5"), dir,
                "cpu-config.cpuid_modifiers[0].leaf", "got float 1.5");
    }

    @Test
    void msrAddrOutOfRange() {
        String json = withCpu("\"msr_modifiers\": [" + ("{\"addr\": \"0x10a\", \"bitmap\": \"0b" + X64 + "\"},").repeat(2)
                + "{\"addr\": \"0x1ffffffff\", \"bitmap\": \"0b" + X64 + "\"}]");
        String msg = assertError(json, dir, "cpu-config.msr_modifiers[2].addr", "not a 32-bit number");
        assertEquals("cpu-config.msr_modifiers[2].addr: not a 32-bit number: \"0x1ffffffff\"", msg);
    }

    @Test
    void msrAddrHugeNumber() {
        assertError(withMsr("100000000000000000000000", "0b" + X64), dir, "cpu-config.msr_modifiers[0].addr",
                "not a 32-bit number: 100000000000000000000000");
    }

    @Test
    void flagsOutOfRange() {
        assertError(withLeaf("\"leaf\": 1, \"subleaf\": 0, \"flags\": 8, \"modifiers\": []"), dir,
                "cpu-config.cpuid_modifiers[0].flags", "must be between 0 and 7");
    }

    @Test
    void flagsAsString() {
        assertError(withLeaf("\"leaf\": 1, \"subleaf\": 0, \"flags\": \"1\", \"modifiers\": []"), dir,
                "cpu-config.cpuid_modifiers[0].flags", "expected an integer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"reg_modifiers", "vcpu_features", "kvm_capabilities"})
    void nonEmptyUnsupportedList(String key) {
        String msg = assertError(withCpu("\"" + key + "\": [{\"addr\": \"0x1\", \"bitmap\": \"0b1\"}]"), dir,
                "cpu-config." + key, "not supported by this kvmj version yet");
        assertEquals("cpu-config." + key + ": not supported by this kvmj version yet (use [] or omit the key)", msg);
    }

    @Test
    void unsupportedListWrongType() {
        assertError(withCpu("\"reg_modifiers\": {}"), dir, "cpu-config.reg_modifiers", "expected an array, got object");
    }

    @Test
    void unknownKeyInSection() {
        assertError(withCpu("\"cpuid\": []"), dir, "cpu-config", "unknown key \"cpuid\" (known: kvm_capabilities,"
                + " cpuid_modifiers, msr_modifiers, vcpu_features, reg_modifiers)");
    }

    @Test
    void unknownKeyInLeaf() {
        assertError(withLeaf("\"leaf\": 1, \"subleaf\": 0, \"modifiers\": [], \"index\": 0"), dir,
                "cpu-config.cpuid_modifiers[0]", "unknown key \"index\" (known: leaf, subleaf, flags, modifiers)");
    }

    @Test
    void unknownKeyInRegisterModifier() {
        assertError(withLeaf("\"leaf\": 1, \"subleaf\": 0, \"modifiers\": [{\"register\": \"eax\", \"bitmap\": \"0b"
                + X32 + "\", \"mask\": 1}]"), dir, "cpu-config.cpuid_modifiers[0].modifiers[0]",
                "unknown key \"mask\"");
    }

    @Test
    void missingLeaf() {
        assertError(withLeaf("\"subleaf\": 0, \"modifiers\": []"), dir, "cpu-config.cpuid_modifiers[0].leaf",
                "required key missing");
    }

    @Test
    void missingBitmap() {
        assertError(withCpu("\"msr_modifiers\": [{\"addr\": 1}]"), dir, "cpu-config.msr_modifiers[0].bitmap",
                "required key missing");
    }

    @Test
    void nullLeaf() {
        assertError(withLeaf("\"leaf\": null, \"subleaf\": 0, \"modifiers\": []"), dir,
                "cpu-config.cpuid_modifiers[0].leaf", "must not be null");
    }

    @Test
    void nullListElement() {
        assertError(withCpu("\"msr_modifiers\": [null]"), dir, "cpu-config.msr_modifiers[0]", "must not be null");
    }

    @Test
    void sectionAsArray() {
        assertError(minimalWith(", \"cpu-config\": []"), dir, "cpu-config", "expected an object (a CPU template)"
                + " or a string (the path of a CPU template file), got array");
    }

    @Test
    void sectionAsNumber() {
        assertError(minimalWith(", \"cpu-config\": 5"), dir, "cpu-config", "got integer 5");
    }

    @Test
    void codeBuiltLeafOutOfRange() {
        VmConfig raw = new VmConfig(new BootSource(Path.of("vmlinux"), null, null), new MachineSpec(1, 64, false, false),
                null, null, null, null, true, new CpuConfig(null,
                        List.of(new MsrModifierConfig(0x1_0000_0000L, "0b" + X64))));
        assertErrorFrom(() -> ConfigLoader.validate(raw, dir), "cpu-config.msr_modifiers[0].addr: ",
                "not a 32-bit number: 4294967296");
    }
}
