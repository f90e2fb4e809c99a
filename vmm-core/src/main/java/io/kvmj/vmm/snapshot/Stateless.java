package io.kvmj.vmm.snapshot;

/**
 * A device with no guest-visible state of its own (its registers read constants, its writes act at once): a
 * snapshot records that it is there and restores nothing.
 */
public interface Stateless extends Snapshottable<Stateless.None> {
    /** The empty state. */
    record None() {
    }

    @Override
    default Class<None> stateType() {
        return None.class;
    }

    @Override
    default None saveState() {
        return new None();
    }

    @Override
    default void restoreState(None state) {
        // nothing to restore
    }
}
