package io.kvmj.vmm.arch.x86.acpi;

import java.util.ArrayList;
import java.util.List;

/**
 * Encoders for the few AML (ACPI Machine Language, ACPI 6.3 chapter 20) terms a microVM's DSDT needs. Every
 * method returns the encoded bytes of one term, so terms nest by passing arrays:
 * {@code scope("\\_SB", device("COM1", name("_HID", eisaId("PNP0501"))))}.
 */
final class Aml {
    static final int ZERO_OP = 0x00;
    static final int ONE_OP = 0x01;
    static final int NAME_OP = 0x08;
    static final int BYTE_PREFIX = 0x0a;
    static final int WORD_PREFIX = 0x0b;
    static final int DWORD_PREFIX = 0x0c;
    static final int STRING_PREFIX = 0x0d;
    static final int QWORD_PREFIX = 0x0e;
    static final int SCOPE_OP = 0x10;
    static final int BUFFER_OP = 0x11;
    static final int PACKAGE_OP = 0x12;
    static final int METHOD_OP = 0x14;
    static final int DUAL_NAME_PREFIX = 0x2e;
    static final int MULTI_NAME_PREFIX = 0x2f;
    static final int EXT_OP_PREFIX = 0x5b;
    static final int DEVICE_OP = 0x82; // after EXT_OP_PREFIX
    static final int ROOT_CHAR = '\\';
    static final int PARENT_PREFIX = '^';
    static final int RETURN_OP = 0xa4;

    /** The largest value a 4-byte PkgLength holds (28 bits). */
    static final int MAX_PKG_LENGTH = 0x0fff_ffff;

    private Aml() {
    }

    /** A NameSeg: 1 to 4 characters, [A-Z_] then [A-Z0-9_], padded to 4 with '_' ("_SB" is "_SB_"). */
    static byte[] nameSeg(String seg) {
        if (seg.isEmpty() || seg.length() > 4) {
            throw new IllegalArgumentException("AML name segment must have 1 to 4 characters: \"" + seg + "\"");
        }
        for (int i = 0; i < seg.length(); i++) {
            char c = seg.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                throw new IllegalArgumentException("invalid AML name segment: \"" + seg + "\"");
            }
        }
        return ByteSink.fixedAscii(seg, 4, '_');
    }

    /**
     * A NameString: an optional root ('\') or parent ('^'...) prefix, then segments separated by '.'
     * ("\\_SB.COM1", "^FOO", "_HID").
     */
    static byte[] nameString(String path) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException("empty AML name");
        }
        ByteSink out = new ByteSink();
        int i = 0;
        if (path.startsWith("\\")) {
            out.u8(ROOT_CHAR);
            i = 1;
        } else {
            while (i < path.length() && path.charAt(i) == '^') {
                out.u8(PARENT_PREFIX);
                i++;
            }
        }
        String rest = path.substring(i);
        if (rest.isEmpty()) {
            return out.u8(0).toArray(); // NullName, e.g. "\" alone is the root scope
        }
        String[] segs = rest.split("\\.", -1);
        if (segs.length == 2) {
            out.u8(DUAL_NAME_PREFIX);
        } else if (segs.length > 2) {
            if (segs.length > 255) {
                throw new IllegalArgumentException("AML name path too long: " + path);
            }
            out.u8(MULTI_NAME_PREFIX).u8(segs.length);
        }
        for (String s : segs) {
            out.bytes(nameSeg(s));
        }
        return out.toArray();
    }

    /** An integer in its shortest form: ZeroOp, OneOp, or a Byte/Word/DWord/QWord constant. */
    static byte[] integer(long value) {
        ByteSink out = new ByteSink();
        if (value == 0) {
            out.u8(ZERO_OP);
        } else if (value == 1) {
            out.u8(ONE_OP);
        } else if (Long.compareUnsigned(value, 0xffL) <= 0) {
            out.u8(BYTE_PREFIX).u8((int) value);
        } else if (Long.compareUnsigned(value, 0xffffL) <= 0) {
            out.u8(WORD_PREFIX).u16((int) value);
        } else if (Long.compareUnsigned(value, 0xffff_ffffL) <= 0) {
            out.u8(DWORD_PREFIX).u32(value);
        } else {
            out.u8(QWORD_PREFIX).u64(value);
        }
        return out.toArray();
    }

    /** A DWord constant whatever the value (as ASL's EisaId() always emits). */
    static byte[] dword(long value) {
        return new ByteSink().u8(DWORD_PREFIX).u32(value).toArray();
    }

    /** A String: printable ASCII, NUL-terminated. */
    static byte[] string(String text) {
        if (!text.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("AML strings must be printable ASCII: \"" + text + "\"");
        }
        return new ByteSink().u8(STRING_PREFIX).ascii(text, text.length(), ' ').u8(0).toArray();
    }

    /** The 32-bit compressed EISA id ("PNP0501" is 0x0105D041), as ASL's EisaId() computes it. */
    static int eisaIdValue(String id) {
        if (!id.matches("[A-Z]{3}[0-9A-F]{4}")) {
            throw new IllegalArgumentException("EISA id must be 3 letters and 4 hex digits: \"" + id + "\"");
        }
        int vendor = ((id.charAt(0) - 0x40) << 10) | ((id.charAt(1) - 0x40) << 5) | (id.charAt(2) - 0x40);
        int product = Integer.parseInt(id.substring(3), 16);
        // Stored big-endian: vendor high byte, vendor low byte, product high byte, product low byte.
        return (vendor >>> 8) | ((vendor & 0xff) << 8) | ((product >>> 8) << 16) | ((product & 0xff) << 24);
    }

    /** EisaId("...") as an AML DWord constant. */
    static byte[] eisaId(String id) {
        return dword(Integer.toUnsignedLong(eisaIdValue(id)));
    }

    /** Buffer(n) {bytes}. */
    static byte[] buffer(byte[] data) {
        return new ByteSink().u8(BUFFER_OP).bytes(withPkgLength(integer(data.length), data)).toArray();
    }

    /** Package() {elements}: each element a data object (integer, string, buffer, package) or a name. */
    static byte[] pkg(byte[]... elements) {
        if (elements.length > 255) {
            throw new IllegalArgumentException("a Package holds at most 255 elements, use VarPackage");
        }
        byte[] count = {(byte) elements.length};
        return new ByteSink().u8(PACKAGE_OP).bytes(withPkgLength(prepend(count, elements))).toArray();
    }

    /** Name(name, value). */
    static byte[] name(String name, byte[] value) {
        return new ByteSink().u8(NAME_OP).bytes(nameString(name)).bytes(value).toArray();
    }

    /** Scope(name) {terms}. */
    static byte[] scope(String name, byte[]... terms) {
        return new ByteSink().u8(SCOPE_OP).bytes(withPkgLength(prepend(nameString(name), terms))).toArray();
    }

    /** Device(name) {terms}. */
    static byte[] device(String name, byte[]... terms) {
        return new ByteSink().u8(EXT_OP_PREFIX).u8(DEVICE_OP)
                .bytes(withPkgLength(prepend(nameString(name), terms))).toArray();
    }

    /** Method(name, argCount, Serialized or NotSerialized) {terms}, sync level 0. */
    static byte[] method(String name, int argCount, boolean serialized, byte[]... terms) {
        if (argCount < 0 || argCount > 7) {
            throw new IllegalArgumentException("a Method takes 0 to 7 arguments, not " + argCount);
        }
        byte[] header = new ByteSink().bytes(nameString(name)).u8(argCount | (serialized ? 0x08 : 0)).toArray();
        return new ByteSink().u8(METHOD_OP).bytes(withPkgLength(prepend(header, terms))).toArray();
    }

    /** Return(value). */
    static byte[] returnValue(byte[] value) {
        return new ByteSink().u8(RETURN_OP).bytes(value).toArray();
    }

    /**
     * A PkgLength encoding {@code length}, the byte count of the package including the PkgLength itself: one byte
     * up to 63, else a lead byte (bits 7-6: count of following bytes, bits 3-0: low nibble) and 1 to 3 bytes.
     */
    static byte[] pkgLength(int length) {
        if (length < 0 || length > MAX_PKG_LENGTH) {
            throw new IllegalArgumentException("PkgLength out of range: " + length);
        }
        if (length <= 0x3f) {
            return new byte[] {(byte) length};
        }
        int follow = length <= 0xfff ? 1 : length <= 0xf_ffff ? 2 : 3;
        byte[] out = new byte[1 + follow];
        out[0] = (byte) ((follow << 6) | (length & 0x0f));
        for (int i = 1; i <= follow; i++) {
            out[i] = (byte) (length >>> (4 + 8 * (i - 1)));
        }
        return out;
    }

    /** The concatenated parts preceded by the PkgLength that covers them and itself. */
    static byte[] withPkgLength(byte[]... parts) {
        byte[] body = concat(parts);
        for (int size = 1; size <= 4; size++) {
            long total = (long) body.length + size;
            if (total <= MAX_PKG_LENGTH && pkgLength((int) total).length == size) {
                return concat(pkgLength((int) total), body);
            }
        }
        throw new IllegalArgumentException("AML package too large: " + body.length + " bytes");
    }

    static byte[] concat(byte[]... parts) {
        ByteSink out = new ByteSink();
        for (byte[] p : parts) {
            out.bytes(p);
        }
        return out.toArray();
    }

    private static byte[][] prepend(byte[] first, byte[][] rest) {
        List<byte[]> all = new ArrayList<>(rest.length + 1);
        all.add(first);
        all.addAll(List.of(rest));
        return all.toArray(byte[][]::new);
    }
}
