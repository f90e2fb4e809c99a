package io.kvmj.vmm.arch.x86.acpi;

import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;

import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Guest memory and table readers shared by the ACPI and MP table tests. */
final class AcpiTestSupport {
    private AcpiTestSupport() {
    }

    /** The first MiB of guest RAM at address 0, as kvmj's first region has it. */
    static GuestMemory lowMemory() {
        return new RegionGuestMemory(List.of(new GuestRegion(0, Arena.ofAuto().allocate(1 << 20))));
    }

    static byte[] hex(String spaced) {
        return HexFormat.of().parseHex(spaced.replace(" ", ""));
    }

    static String signature(GuestMemory memory, long address, int length) {
        return new String(memory.read(address, length), StandardCharsets.US_ASCII);
    }

    static int u8(byte[] b, int at) {
        return b[at] & 0xff;
    }

    static int u16(byte[] b, int at) {
        return u8(b, at) | (u8(b, at + 1) << 8);
    }

    static long u32(byte[] b, int at) {
        return u16(b, at) | ((long) u16(b, at + 2) << 16);
    }

    static long u64(byte[] b, int at) {
        return u32(b, at) | (u32(b, at + 4) << 32);
    }

    /** The complete table at {@code address} (header length), after checking its byte sum is 0. */
    static byte[] table(GuestMemory memory, long address, String expectedSignature) {
        assertEquals(expectedSignature, signature(memory, address, 4), "signature at 0x" + Long.toHexString(address));
        int length = memory.readInt(address + 4);
        byte[] t = memory.read(address, length);
        assertEquals(0, ByteSink.sum(t, 0, t.length), expectedSignature + " checksum");
        return t;
    }

    /** Scans [from, to) on 16-byte boundaries for a valid ACPI 2.0 RSDP, as Linux does; -1 when none. */
    static long findRsdp(GuestMemory memory, long from, long to) {
        for (long a = from; a + Rsdp.LENGTH <= to; a += 16) {
            if (signature(memory, a, 8).equals("RSD PTR ")) {
                byte[] r = memory.read(a, Rsdp.LENGTH);
                if (ByteSink.sum(r, 0, 20) == 0 && ByteSink.sum(r, 0, Rsdp.LENGTH) == 0) {
                    return a;
                }
            }
        }
        return -1;
    }
}
