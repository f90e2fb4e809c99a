package io.kvmj.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks a {@link CpuConfig} (from a config file or built in code) and returns it normalized: a template file read
 * in, register names lower case, bitmaps as {@code "0b"} plus exactly 32 (CPUID) or 64 (MSR) characters
 * {@code 0}, {@code 1} or {@code x}, with Firecracker's {@code _} separators removed.
 */
final class CpuConfigValidator {
    static final int CPUID_BITS = 32;
    static final int MSR_BITS = 64;
    static final long MAX_U32 = 0xffff_ffffL;
    /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX | KVM_CPUID_FLAG_STATEFUL_FUNC | KVM_CPUID_FLAG_STATE_READ_NEXT. */
    static final int MAX_CPUID_FLAGS = 7;

    private static final List<String> REGISTERS = List.of("eax", "ebx", "ecx", "edx");
    private static final String PREFIX = "0b";

    private CpuConfigValidator() {}

    /**
     * Null stays null (no CPU template).
     *
     * @param baseDir directory a relative template file path is resolved against
     */
    static CpuConfig validate(CpuConfig config, Path baseDir) throws ConfigException {
        if (config == null) return null;
        if (config.templateFile() == null) return validate(config, Keys.Scope.CPU_CONFIG_OBJECT);
        if (!config.cpuidModifiers().isEmpty() || !config.msrModifiers().isEmpty()) {
            throw new ConfigException(Keys.CPU_CONFIG, "a template file and modifiers given together; use one");
        }
        Path file = PathChecks.readableFile(Keys.CPU_CONFIG, config.templateFile(), baseDir);
        Keys.Scope scope = Keys.Scope.templateFile(config.templateFile());
        return validate(CpuConfigMapper.readFile(file, scope), scope);
    }

    private static CpuConfig validate(CpuConfig config, Keys.Scope scope) throws ConfigException {
        List<CpuidModifierConfig> cpuid = new ArrayList<>(config.cpuidModifiers().size());
        for (int i = 0; i < config.cpuidModifiers().size(); i++) {
            cpuid.add(cpuidModifier(scope, i, config.cpuidModifiers().get(i)));
        }
        List<MsrModifierConfig> msrs = new ArrayList<>(config.msrModifiers().size());
        for (int i = 0; i < config.msrModifiers().size(); i++) {
            MsrModifierConfig m = config.msrModifiers().get(i);
            String entry = Keys.msrModifier(scope, i);
            checkU32(Keys.path(entry, Keys.ADDR), m.addr());
            msrs.add(new MsrModifierConfig(m.addr(), bitmap(Keys.path(entry, Keys.BITMAP), m.bitmap(), MSR_BITS)));
        }
        return new CpuConfig(cpuid, msrs);
    }

    private static CpuidModifierConfig cpuidModifier(Keys.Scope scope, int i, CpuidModifierConfig c)
            throws ConfigException {
        String entry = Keys.cpuidModifier(scope, i);
        checkU32(Keys.path(entry, Keys.LEAF), c.leaf());
        checkU32(Keys.path(entry, Keys.SUBLEAF), c.subleaf());
        if (c.flags() < 0 || c.flags() > MAX_CPUID_FLAGS) {
            throw new ConfigException(Keys.path(entry, Keys.FLAGS), "must be between 0 and " + MAX_CPUID_FLAGS
                    + " (KVM_CPUID_FLAG_* bits; 1 = KVM_CPUID_FLAG_SIGNIFCANT_INDEX) (got " + c.flags() + ")");
        }
        List<RegisterBitmap> modifiers = new ArrayList<>(c.modifiers().size());
        for (int j = 0; j < c.modifiers().size(); j++) {
            RegisterBitmap r = c.modifiers().get(j);
            String key = Keys.registerModifier(scope, i, j);
            modifiers.add(new RegisterBitmap(register(Keys.path(key, Keys.REGISTER), r.register()),
                    bitmap(Keys.path(key, Keys.BITMAP), r.bitmap(), CPUID_BITS)));
        }
        return new CpuidModifierConfig(c.leaf(), c.subleaf(), c.flags(), modifiers);
    }

    private static void checkU32(String key, long value) throws ConfigException {
        if (value < 0 || value > MAX_U32) throw new ConfigException(key, "not a 32-bit number: " + value);
    }

    private static String register(String key, String register) throws ConfigException {
        if (register == null) throw new ConfigException(key, "required key missing");
        String lower = register.toLowerCase(Locale.ROOT);
        if (!REGISTERS.contains(lower)) {
            throw new ConfigException(key, "expected \"eax\", \"ebx\", \"ecx\" or \"edx\", got "
                    + ConfigFileMapper.quote(register));
        }
        return lower;
    }

    /** "0b" + {@code bits} characters of [01x], most significant first; "_" may separate groups. */
    private static String bitmap(String key, String bitmap, int bits) throws ConfigException {
        if (bitmap == null) throw new ConfigException(key, "required key missing");
        String expected = "must be \"" + PREFIX + "\" followed by " + bits + " characters 0, 1 or x";
        if (!bitmap.startsWith(PREFIX)) {
            throw new ConfigException(key, expected + " (got " + ConfigFileMapper.quote(bitmap) + ")");
        }
        StringBuilder normalized = new StringBuilder(PREFIX.length() + bits).append(PREFIX);
        for (int i = PREFIX.length(); i < bitmap.length(); i++) {
            char c = bitmap.charAt(i);
            if (c == '0' || c == '1' || c == 'x') {
                normalized.append(c);
            } else if (c != '_') {
                throw new ConfigException(key, expected + " (found "
                        + ConfigFileMapper.quote(Character.toString(bitmap.codePointAt(i))) + " at index " + i + ")");
            }
        }
        int count = normalized.length() - PREFIX.length();
        if (count != bits) throw new ConfigException(key, expected + " (got " + count + ")");
        return normalized.toString();
    }
}
