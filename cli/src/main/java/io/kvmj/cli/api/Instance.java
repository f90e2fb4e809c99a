package io.kvmj.cli.api;

/**
 * The microVM's run-time side: nothing before {@code InstanceStart}, then the {@link RunningMachine} it started.
 * Runtime requests reach the machine through it and are refused before the start. Thread-safe.
 */
final class Instance {
    /** Firecracker's answer to a runtime request before the start (status 400). */
    static final String BEFORE_START = "The requested operation is not supported before starting the microVM.";

    private volatile RunningMachine machine;

    /** The machine has started; from now on requests go to {@code started}. */
    void started(RunningMachine started) {
        machine = started;
    }

    /**
     * The started machine.
     *
     * @throws ApiException 400 before the start
     */
    RunningMachine machine() throws ApiException {
        RunningMachine m = machine;
        if (m == null) throw ApiException.badRequest(BEFORE_START);
        return m;
    }

    /**
     * Firecracker's InstanceInfo state: "Not started", "Running" or "Paused"; kvmj adds "Stopped" for the moments
     * between the machine's end and the API socket's removal.
     */
    String stateName() {
        RunningMachine m = machine;
        if (m == null) return "Not started";
        return switch (m.state()) {
            case RUNNING -> "Running";
            case PAUSED -> "Paused";
            case ENDED -> "Stopped";
        };
    }
}
