package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.LibcHeaders;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real TAP interfaces in the host's network namespace, each with a unique name and deleted when its fd
 * closes. Needs root (CAP_NET_ADMIN) and /dev/net/tun: without them these tests fail, saying so.
 */
class TapTest {
    private static String uniqueName() {
        return "kvmjt" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
    }

    private static Path sysfs(String name) {
        return Path.of("/sys/class/net", name);
    }

    @Test
    void createsATapWithVnetHeadersAndDeletesItOnClose() throws Exception {
        String name = uniqueName();
        try (Tap tap = Tap.open(name)) {
            assertEquals(name, tap.name());
            // tun_flags is IFF_* in hex: TAP, no packet information, virtio-net headers.
            int flags = Integer.decode(Files.readString(sysfs(name).resolve("tun_flags")).strip());
            int wanted = UapiConstants.IFF_TAP | UapiConstants.IFF_NO_PI | UapiConstants.IFF_VNET_HDR;
            assertEquals(wanted, flags & wanted);
        }
        assertFalse(Files.exists(sysfs(name)), "a TAP the fd created goes away with it");
    }

    @Test
    void aSecondOpenOfAHeldTapIsEbusyNamingTheInterface() {
        String name = uniqueName();
        try (Tap tap = Tap.open(name)) {
            SyscallException e = assertThrows(SyscallException.class, () -> Tap.open(name));
            assertEquals("EBUSY", e.errnoName());
            assertEquals("TUNSETIFF " + name, e.operation());
        }
    }

    @Test
    void namesLongerThanIfnamsizAreRefusedBeforeAnySyscall() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tap.open("kvmj-sixteen-byt"));
        assertTrue(e.getMessage().contains("1 to 15 bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tap.open(""));
    }

    @Test
    void offloadsTheKernelKnowsAreTakenOthersAreEinval() {
        String name = uniqueName();
        try (Tap tap = Tap.open(name)) {
            tap.setOffload(UapiConstants.TUN_F_CSUM | UapiConstants.TUN_F_TSO4 | UapiConstants.TUN_F_TSO6
                    | UapiConstants.TUN_F_UFO);
            tap.setOffload(0);
            SyscallException e = assertThrows(SyscallException.class, () -> tap.setOffload(1 << 30));
            assertEquals("EINVAL", e.errnoName());
            assertEquals("TUNSETOFFLOAD " + name, e.operation());
        }
    }

    @Test
    void readIsEagainWhenEmptyAndWriteIsEioWhileTheInterfaceIsDown() {
        try (Tap tap = Tap.open(uniqueName()); Arena arena = Arena.ofConfined()) {
            MemorySegment frame = arena.allocate(Tap.VNET_HDR_SIZE + 60);
            assertEquals(-LibcHeaders.EAGAIN(), tap.read(frame));
            MemorySegment[] parts = {frame.asSlice(0, Tap.VNET_HDR_SIZE), frame.asSlice(Tap.VNET_HDR_SIZE)};
            assertEquals(-LibcHeaders.EIO(), tap.write(parts, 2));
            assertThrows(IllegalArgumentException.class, () -> tap.write(parts, 0));
        }
    }
}
