package io.kvmj.kvm;

import java.util.Arrays;

/**
 * A vCPU's debug registers (struct kvm_debugregs): the breakpoint addresses DR0-DR3, DR6 and DR7, and KVM's flags.
 *
 * @throws IllegalArgumentException {@code db} is not 4 addresses
 */
public record DebugRegisters(long[] db, long dr6, long dr7, long flags) {
    public DebugRegisters {
        if (db == null || db.length != 4) {
            throw new IllegalArgumentException("DR0-DR3 are 4 addresses, not " + Arrays.toString(db));
        }
        db = db.clone();
    }
}
