package io.kvmj.kvm;

import io.kvmj.kvm.gen.linux.kvm_run;

import java.lang.foreign.MemorySegment;

/**
 * Why KVM_RUN returned, viewed in place over the vCPU's mmapped {@code kvm_run}: each vCPU owns one instance of
 * each kind, reused on every exit, so the exit path allocates nothing. A view is valid until the next run.
 */
public sealed interface VcpuExit {
    /** A port access of {@link #count()} values of {@link #size()} bytes (a count above 1 is INS/OUTS). */
    abstract sealed class PortIo implements VcpuExit permits IoIn, IoOut {
        final MemorySegment run;
        final MemorySegment io;

        PortIo(MemorySegment run) {
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

        /** Where value {@code index} lives in the kvm_run data page. */
        long dataOffset(int index) {
            return kvm_run.io.data_offset(io) + (long) index * size();
        }
    }

    /** A port read (IN/INS): the VMM fills every value. */
    final class IoIn extends PortIo {
        IoIn(MemorySegment run) {
            super(run);
        }

        public void setData(int index, long value) {
            IoData.set(run, dataOffset(index), size(), value);
        }
    }

    /** A port write (OUT/OUTS). */
    final class IoOut extends PortIo {
        IoOut(MemorySegment run) {
            super(run);
        }

        public long data(int index) {
            return IoData.get(run, dataOffset(index), size());
        }
    }

    /** An access to guest-physical memory that no RAM backs: {@link #length()} bytes at {@link #address()}. */
    abstract sealed class Mmio implements VcpuExit permits MmioRead, MmioWrite {
        final MemorySegment mmio;

        Mmio(MemorySegment run) {
            this.mmio = kvm_run.mmio(run);
        }

        public long address() {
            return kvm_run.mmio.phys_addr(mmio);
        }

        public int length() {
            return kvm_run.mmio.len(mmio);
        }

        /** At most the 8-byte data field, whatever length a hostile kvm_run claims. */
        int dataLength() {
            return Math.min(length(), 8);
        }
    }

    /** An MMIO read: the VMM supplies the value. */
    final class MmioRead extends Mmio {
        MmioRead(MemorySegment run) {
            super(run);
        }

        public void setData(long value) {
            IoData.set(mmio, kvm_run.mmio.data$offset(), dataLength(), value);
        }
    }

    /** An MMIO write. */
    final class MmioWrite extends Mmio {
        MmioWrite(MemorySegment run) {
            super(run);
        }

        public long data() {
            return IoData.get(mmio, kvm_run.mmio.data$offset(), dataLength());
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
