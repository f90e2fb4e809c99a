package io.kvmj.cli;

import io.kvmj.cli.api.RunningMachine;
import io.kvmj.vmm.VmSession;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/** The API's handle on the machine {@code kvmj run} runs: its {@link VmSession}, whichever VM runs across resets. */
record SessionMachine(VmSession session) implements RunningMachine {
    /** How long a pause may take; generous, since under nested virtualization a vCPU leaves the guest slowly. */
    static final Duration PAUSE_TIMEOUT = Duration.ofSeconds(10);

    @Override
    public State state() {
        return switch (session.state()) {
            // being built, or rebuilt after a guest reset: the machine runs as far as its user can tell
            case CREATED, RUNNING -> State.RUNNING;
            case PAUSED -> State.PAUSED;
            case STOPPED -> State.ENDED;
        };
    }

    @Override
    public void pause() throws TimeoutException, InterruptedException {
        session.pause(PAUSE_TIMEOUT);
    }

    @Override
    public void resume() {
        session.resume();
    }

    @Override
    public void sendCtrlAltDel() {
        session.sendCtrlAltDel();
    }
}
