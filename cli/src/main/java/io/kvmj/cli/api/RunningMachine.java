package io.kvmj.cli.api;

import java.util.concurrent.TimeoutException;

/**
 * The started machine as the API drives it, whatever runs it (the CLI: its VM session, across guest resets).
 * Implementations are thread-safe: API requests call them on Jetty's threads while the machine runs.
 */
public interface RunningMachine {
    /** Where the machine is, in the API's terms. */
    enum State {
        /** Starting, running, or restarting after a guest reset. */
        RUNNING,
        /** Paused by {@link #pause()}: no guest code runs until {@link #resume()}. */
        PAUSED,
        /** The machine has ended for good (the API stops serving moments later). */
        ENDED
    }

    State state();

    /**
     * Pauses the machine; does nothing if it is paused already (as Firecracker's vCPUs answer a second pause).
     *
     * @throws IllegalStateException the machine cannot be paused now (ended, or between two runs of a restart);
     *                               its message says why
     * @throws TimeoutException      the machine did not pause in time; it runs on
     * @throws InterruptedException  interrupted while pausing; it runs on
     */
    void pause() throws TimeoutException, InterruptedException;

    /**
     * Lets a paused machine run on; does nothing if it runs.
     *
     * @throws IllegalStateException as {@link #pause()}
     */
    void resume();

    /**
     * Types Ctrl+Alt+Del on the machine's keyboard (Firecracker's {@code SendCtrlAltDel}); a Linux guest reboots.
     *
     * @throws IllegalStateException the machine is not running (paused, ended, restarting), or the guest has not
     *                               read the last keys; its message says which
     */
    void sendCtrlAltDel();
}
