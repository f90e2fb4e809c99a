package io.kvmj.it;

import io.kvmj.vmm.Vm;
import io.kvmj.vmm.VmBuilder;
import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.VmSpec;
import io.kvmj.vmm.arch.x86.CpuTemplate;
import io.kvmj.vmm.memory.DirtyPages;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code track_dirty_pages}: guest RAM registered with KVM_MEM_LOG_DIRTY_PAGES, and KVM_GET_DIRTY_LOG read through
 * {@link Vm#dirtyPages()}. The memory guest writes a word into every page of its RAM.
 */
@Tag("kvm")
class DirtyPagesTest {
    private static final long MIB = 1 << 20;

    private static VmSpec memoryGuest(ByteArrayOutputStream serial, boolean trackDirtyPages) {
        return new VmSpec(Environment.guest("memory"), null, "expect_mib=64", 64 * MIB, 1, false, 0xf4, serial, null,
                List.of(), true, CpuTemplate.NONE, trackDirtyPages);
    }

    @Test
    void pagesTheGuestWritesAreLoggedAndTheLogClearsAsItIsRead() throws Exception {
        Environment.requireKvm();
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        try (Vm vm = VmBuilder.build(memoryGuest(serial, true))) {
            DirtyPages beforeStart = vm.dirtyPages();
            assertEquals(0, beforeStart.count(), "the VMM's own writes (kernel, tables) are not the guest's");
            vm.start();
            VmExitReason reason = vm.awaitExit(Duration.ofMinutes(2));
            String out = serial.toString(StandardCharsets.US_ASCII);
            assertEquals(new VmExitReason.DebugExit(GuestRun.debugExitStatus(0)), reason, out);
            DirtyPages written = vm.dirtyPages();
            assertTrue(written.contains(32 * MIB) && written.contains(63 * MIB), "pages the guest filled");
            assertTrue(written.count() > 60 * MIB / DirtyPages.PAGE_SIZE, "about every page: " + written.count());
            assertFalse(written.contains(64 * MIB), "no RAM there");
            assertEquals(0, vm.dirtyPages().count(), "read once, the log is clear while the guest is stopped");
        }
    }

    @Test
    void withoutTrackingThereIsNoLogToRead() throws Exception {
        Environment.requireKvm();
        try (Vm vm = VmBuilder.build(memoryGuest(new ByteArrayOutputStream(), false))) {
            assertThrows(IllegalStateException.class, vm::dirtyPages);
        }
    }
}
