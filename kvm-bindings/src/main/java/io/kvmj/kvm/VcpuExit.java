package io.kvmj.kvm;

import io.kvmj.kvm.gen.linux.kvm_run;

import java.lang.foreign.MemorySegment;

/**
 * Why KVM_RUN returned, viewed in place over the vCPU's mmapped {@code kvm_run}: each vCPU owns one instance of
 * each kind, reused on every exit, so the exit path allocates nothing. A view is valid until the next run.
 */
public sealed interface VcpuExit {
    /** A port read (IN/INS): the VMM fills {@link #count()} values of {@link #size()} bytes. */
    final class IoIn implements VcpuExit {
        private final MemorySegment run;
        private final MemorySegment io;

        IoIn(MemorySegment run) {
            this.run = run;
            this.io = kvm_run.io(run);
        }

        public int port() {
            return Short.toUnsignedInt(kvm_run.io.port(io));
        }

        public int size() {
            return kvm_run.io.size(io);
        }

        public int count() {
            return kvm_run.io.count(io);
        }

        public void setData(int index, long value) {
            IoData.set(run, kvm_run.io.data_offset(io) + (long) index * size(), size(), value);
        }
    }

    /** A port write (OUT/OUTS) of {@link #count()} values of {@link #size()} bytes. */
    final class IoOut implements VcpuExit {
        private final MemorySegment run;
        private final MemorySegment io;

        IoOut(MemorySegment run) {
            this.run = run;
            this.io = kvm_run.io(run);
        }

        public int port() {
            return Short.toUnsignedInt(kvm_run.io.port(io));
        }

        public int size() {
            return kvm_run.io.size(io);
        }

        public int count() {
            return kvm_run.io.count(io);
        }

        public long data(int index) {
            return IoData.get(run, kvm_run.io.data_offset(io) + (long) index * size(), size());
        }
    }

    /** A read of unbacked guest-physical memory: the VMM supplies {@link #length()} bytes. */
    final class MmioRead implements VcpuExit {
        private final MemorySegment mmio;

        MmioRead(MemorySegment run) {
            this.mmio = kvm_run.mmio(run);
        }

        public long address() {
            return kvm_run.mmio.phys_addr(mmio);
        }

        public int length() {
            return kvm_run.mmio.len(mmio);
        }

        public void setData(long value) {
            IoData.set(mmio, kvm_run.mmio.data$offset(), Math.min(length(), 8), value);
        }
    }

    /** A write to unbacked guest-physical memory. */
    final class MmioWrite implements VcpuExit {
        private final MemorySegment mmio;

        MmioWrite(MemorySegment run) {
            this.mmio = kvm_run.mmio(run);
        }

        public long address() {
            return kvm_run.mmio.phys_addr(mmio);
        }

        public int length() {
            return kvm_run.mmio.len(mmio);
        }

        public long data() {
            return IoData.get(mmio, kvm_run.mmio.data$offset(), Math.min(length(), 8));
        }
    }

    /** The guest executed HLT with no in-kernel APIC to wait in. */
    enum Hlt implements VcpuExit { INSTANCE }

    /** The guest triple-faulted (or otherwise shut the CPU down). */
    enum Shutdown implements VcpuExit { INSTANCE }

    /** KVM_RUN was interrupted by a kick (signal or immediate_exit) before or during guest execution. */
    enum Interrupted implements VcpuExit { INSTANCE }

    /** A system event: shutdown, reset or crash requested through a PSCI/ACPI-style path. */
    final class SystemEvent implements VcpuExit {
        public static final int SHUTDOWN = 1;
        public static final int RESET = 2;
        public static final int CRASH = 3;
        private final MemorySegment event;

        SystemEvent(MemorySegment run) {
            this.event = kvm_run.system_event(run);
        }

        public int type() {
            return kvm_run.system_event.type(event);
        }
    }

    /** KVM could not run or emulate the guest; suberror 1 is an instruction emulation failure. */
    final class InternalError implements VcpuExit {
        public static final int EMULATION_FAILURE = 1;
        private final MemorySegment internal;

        InternalError(MemorySegment run) {
            this.internal = kvm_run.internal(run);
        }

        public int suberror() {
            return kvm_run.internal.suberror(internal);
        }
    }

    /** VM entry failed in hardware, with its reason code. */
    final class FailEntry implements VcpuExit {
        private final MemorySegment failEntry;

        FailEntry(MemorySegment run) {
            this.failEntry = kvm_run.fail_entry(run);
        }

        public long hardwareReason() {
            return kvm_run.fail_entry.hardware_entry_failure_reason(failEntry);
        }
    }

    /** An exit reason kvmj does not handle. */
    final class Unsupported implements VcpuExit {
        private final MemorySegment run;

        Unsupported(MemorySegment run) {
            this.run = run;
        }

        public int reason() {
            return kvm_run.exit_reason(run);
        }
    }
}
