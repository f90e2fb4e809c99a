package io.kvmj.config;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * An Ethernet (EUI-48) MAC address: six octets, written as six hex pairs separated by ":" ({@code 06:00:ac:10:00:02}).
 * Immutable; two are equal when their octets are.
 */
public final class MacAddress {
    /** The octets of an address. */
    public static final int BYTES = 6;

    private static final HexFormat FORMAT = HexFormat.ofDelimiter(":");

    private final byte[] octets;

    private MacAddress(byte[] octets) {
        this.octets = octets;
    }

    /**
     * Reads six pairs of hex digits, either case, separated by ":", as Firecracker's {@code guest_mac} is written;
     * nothing else (no "-" separators, no single-digit pairs, no spaces).
     *
     * @throws IllegalArgumentException when {@code text} is not of that form
     */
    public static MacAddress parse(String text) {
        byte[] octets = FORMAT.parseHex(text); // refuses odd digits, other separators and non-hex characters
        if (octets.length != BYTES) {
            throw new IllegalArgumentException("not " + BYTES + " octets: " + octets.length);
        }
        return new MacAddress(octets);
    }

    /** A copy of the six octets, first on the wire first. */
    public byte[] octets() {
        return octets.clone();
    }

    /** The group bit, the low bit of the first octet: the address names a multicast group, not one station. */
    public boolean isMulticast() {
        return (octets[0] & 1) != 0;
    }

    /** {@code 00:00:00:00:00:00}, which names no station. */
    public boolean isZero() {
        for (byte b : octets) {
            if (b != 0) return false;
        }
        return true;
    }

    /** Lower-case hex pairs separated by ":", as Firecracker writes them back. */
    @Override
    public String toString() {
        return FORMAT.formatHex(octets);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress other && Arrays.equals(octets, other.octets);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(octets);
    }
}
