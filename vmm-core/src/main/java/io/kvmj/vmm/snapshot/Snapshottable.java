package io.kvmj.vmm.snapshot;

/**
 * A device whose guest-visible state is saved while its VM is paused and put back into a device built afresh from
 * the same configuration in a new VM (Firecracker's model: the config rebuilds the device, the state restores
 * it). The state is a record of plain values (primitives, strings, byte arrays, enums, lists and nested records
 * of the same), so a snapshot file can store it and read it back without knowing the device.
 *
 * @param <S> the device's state record
 */
public interface Snapshottable<S extends Record> {
    /** The record {@link #saveState()} returns, for reading a stored state back. */
    Class<S> stateType();

    /** The device's state now. Called with the VM paused: no vCPU and no device work runs meanwhile. */
    S saveState();

    /**
     * Puts {@code state} into this device, which was just built from the configuration the state was saved with
     * and has not run yet; guest memory already holds the saved RAM. A device that was active resumes its work
     * (event sources, timers, backends) as it was.
     *
     * @throws SnapshotException the state does not fit this device (another configuration, out-of-range values)
     */
    void restoreState(S state) throws SnapshotException;
}
