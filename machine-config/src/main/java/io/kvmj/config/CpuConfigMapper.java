package io.kvmj.config;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decodes {@code cpu-config} (Firecracker's custom CPU template) from {@link ConfigFileJson}: the template object
 * or the path of a template file, numbers given as strings, and the lists kvmj accepts only empty. Register names
 * and bitmaps are checked and normalized by {@link CpuConfigValidator}, which also serves configs built in code,
 * and which has template files read (by {@link #readFile}) once it knows what relative paths resolve against.
 */
final class CpuConfigMapper {
    /** "0x1f" (Firecracker), "0b101" (Firecracker) or "31"; ASCII digits only. */
    private static final Pattern NUMBER = Pattern.compile("0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|([0-9]+)");

    private CpuConfigMapper() {}

    /**
     * The config file's {@code cpu-config}: the template itself (as Firecracker's {@code PUT /cpu-config} and
     * {@code GET /vm} have it), or the path of a template file (as Firecracker's {@code --config-file} has it),
     * which {@link CpuConfigValidator} reads. Null when the key is absent or null.
     */
    static CpuConfig fromConfig(JsonValue node) throws ConfigException {
        if (JsonValue.isNullOrAbsent(node)) return null;
        if (node instanceof JsonValue.JsonString path) {
            return CpuConfig.fromFile(ConfigFileMapper.path(Keys.CPU_CONFIG, path.value()));
        }
        if (!(node instanceof JsonValue.JsonObject)) {
            throw new ConfigException(Keys.CPU_CONFIG, "expected an object (a CPU template) or a string (the path"
                    + " of a CPU template file), got " + node.describe());
        }
        Keys.Scope scope = Keys.Scope.CPU_CONFIG_OBJECT;
        return toCpuConfig(ConfigFileJson.CpuConfigJson.TYPE.bind(node, KeyPath.root(scope)), scope);
    }

    /**
     * Reads and decodes a template file, already checked to be a readable file; errors name keys within
     * {@code scope}, which names the file.
     */
    static CpuConfig readFile(Path file, Keys.Scope scope) throws ConfigException {
        String text = JsonConfigReader.readFile(file, scope.label(), "CPU template");
        return toCpuConfig(JsonConfigReader.readCpuTemplate(text, scope), scope);
    }

    private static CpuConfig toCpuConfig(ConfigFileJson.CpuConfigJson json, Keys.Scope scope) throws ConfigException {
        checkEmpty(scope.key(Keys.KVM_CAPABILITIES), json.kvmCapabilities());
        checkEmpty(scope.key(Keys.VCPU_FEATURES), json.vcpuFeatures());
        checkEmpty(scope.key(Keys.REG_MODIFIERS), json.regModifiers());
        List<CpuidModifierConfig> cpuid = new ArrayList<>();
        if (json.cpuidModifiers() != null) {
            for (int i = 0; i < json.cpuidModifiers().size(); i++) {
                cpuid.add(cpuidModifier(Keys.cpuidModifier(scope, i), json.cpuidModifiers().get(i)));
            }
        }
        List<MsrModifierConfig> msrs = new ArrayList<>();
        if (json.msrModifiers() != null) {
            for (int i = 0; i < json.msrModifiers().size(); i++) {
                ConfigFileJson.MsrModifierJson m = json.msrModifiers().get(i);
                msrs.add(new MsrModifierConfig(u32(Keys.path(Keys.msrModifier(scope, i), Keys.ADDR), m.addr()),
                        m.bitmap()));
            }
        }
        return new CpuConfig(cpuid, msrs);
    }

    private static CpuidModifierConfig cpuidModifier(String entry, ConfigFileJson.CpuidModifierJson json)
            throws ConfigException {
        long leaf = u32(Keys.path(entry, Keys.LEAF), json.leaf());
        long subleaf = u32(Keys.path(entry, Keys.SUBLEAF), json.subleaf());
        List<RegisterBitmap> modifiers = new ArrayList<>(json.modifiers().size());
        for (ConfigFileJson.RegisterModifierJson r : json.modifiers()) {
            modifiers.add(new RegisterBitmap(r.register(), r.bitmap()));
        }
        return new CpuidModifierConfig(leaf, subleaf, json.flags() == null ? 0 : json.flags(), modifiers);
    }

    // Firecracker's lists kvmj does not implement: absent, null or [] only.
    private static void checkEmpty(String key, JsonValue node) throws ConfigException {
        if (JsonValue.isNullOrAbsent(node)) return;
        if (!(node instanceof JsonValue.JsonArray array)) {
            throw new ConfigException(key, "expected an array, got " + node.describe());
        }
        if (!array.elements().isEmpty()) {
            throw new ConfigException(key, "not supported by this kvmj version yet (use [] or omit the key)");
        }
    }

    /** A 32-bit unsigned number given as a JSON integer or a string ("0x1f", "0b11111", "31"). */
    private static long u32(String key, JsonValue node) throws ConfigException {
        if (JsonValue.isNullOrAbsent(node)) throw new ConfigException(key, "must not be null");
        BigInteger value;
        String shown;
        if (node instanceof JsonValue.JsonInteger i) {
            value = i.value();
            shown = value.toString();
        } else if (node instanceof JsonValue.JsonString s) {
            String text = s.value();
            shown = ConfigFileMapper.quote(text);
            Matcher m = NUMBER.matcher(text.strip());
            if (!m.matches()) {
                throw new ConfigException(key, "expected a number such as \"0x80000001\", \"0b101\" or \"7\", got "
                        + shown);
            }
            value = m.group(1) != null ? new BigInteger(m.group(1), 16)
                    : m.group(2) != null ? new BigInteger(m.group(2), 2) : new BigInteger(m.group(3));
        } else {
            throw new ConfigException(key, "expected a string like \"0x1\" or an integer, got " + node.describe());
        }
        if (value.signum() < 0 || value.bitLength() > 32) {
            throw new ConfigException(key, "not a 32-bit number: " + shown);
        }
        return value.longValue();
    }
}
