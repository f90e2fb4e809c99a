package io.kvmj.config;

import java.math.BigInteger;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses memory sizes as users type them on the command line. Units are binary and case-insensitive:
 * K/KiB, M/MiB, G/GiB, T/TiB; a plain number means MiB (like Firecracker's {@code mem_size_mib}).
 */
public final class MemorySize {
    private static final Pattern SIZE = Pattern.compile("([0-9]+)([A-Za-z]*)");

    /** Unit suffix (lower case) to its size in KiB, as a power of two. */
    private static final Map<String, Integer> KIB_SHIFT = Map.of(
            "", 10, "k", 0, "kib", 0, "m", 10, "mib", 10, "g", 20, "gib", 20, "t", 30, "tib", 30);

    private static final String FORMAT_HINT =
            "expected a whole number with an optional binary unit K, M, G or T (no unit means MiB), e.g. 256M or 1G";

    // More digits than this cannot fit a long number of MiB in any unit; refuse before doing big arithmetic.
    private static final int MAX_DIGITS = 30;

    private MemorySize() {}

    /** @return the size in MiB, at least 1 */
    public static long parseMib(String s) throws ConfigException {
        if (s == null || s.isBlank()) throw invalid(s, "is empty; " + FORMAT_HINT);
        String text = s.strip();
        if (text.startsWith("-")) throw invalid(s, "must be positive");
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) throw invalid(s, FORMAT_HINT);
        Integer shift = KIB_SHIFT.get(m.group(2).toLowerCase(Locale.ROOT));
        if (shift == null) throw invalid(s, "unknown unit \"" + m.group(2) + "\"; " + FORMAT_HINT);
        if (m.group(1).length() > MAX_DIGITS) throw invalid(s, "too large");

        BigInteger kib = new BigInteger(m.group(1)).shiftLeft(shift);
        if (kib.signum() == 0) throw invalid(s, "must be at least 1 MiB");
        BigInteger[] mibAndRest = kib.divideAndRemainder(BigInteger.valueOf(1024));
        if (mibAndRest[1].signum() != 0) {
            throw invalid(s, "not a whole number of MiB (" + kib + " KiB)");
        }
        if (mibAndRest[0].bitLength() > 63) throw invalid(s, "too large");
        return mibAndRest[0].longValueExact();
    }

    private static ConfigException invalid(String s, String problem) {
        return new ConfigException("invalid memory size \"" + s + "\": " + problem);
    }
}
