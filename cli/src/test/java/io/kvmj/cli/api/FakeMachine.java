package io.kvmj.cli.api;

import java.util.concurrent.TimeoutException;

/**
 * A started machine for API tests without KVM: it pauses and resumes as the VMM does (a second pause or resume
 * changes nothing), takes Ctrl+Alt+Del only while running, counts what it did, and can be made to end or to time
 * out.
 */
public final class FakeMachine implements RunningMachine {
    private State state = State.RUNNING;
    private int pauses;
    private int resumes;
    private int ctrlAltDels;
    private boolean timesOut;

    @Override
    public synchronized State state() {
        return state;
    }

    @Override
    public synchronized void pause() throws TimeoutException {
        requireNotEnded();
        if (timesOut) throw new TimeoutException("vCPU 0 did not pause within 10 s");
        if (state == State.RUNNING) {
            state = State.PAUSED;
            pauses++;
        }
    }

    @Override
    public synchronized void resume() {
        requireNotEnded();
        if (state == State.PAUSED) {
            state = State.RUNNING;
            resumes++;
        }
    }

    @Override
    public synchronized void sendCtrlAltDel() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("cannot send Ctrl+Alt+Del to a VM that is " + state);
        }
        ctrlAltDels++;
    }

    public synchronized int ctrlAltDels() {
        return ctrlAltDels;
    }

    private void requireNotEnded() {
        if (state == State.ENDED) throw new IllegalStateException("cannot pause the machine: it has ended");
    }

    public synchronized void end() {
        state = State.ENDED;
    }

    public synchronized void timeOutPauses() {
        timesOut = true;
    }

    /** How many times it was paused from running, and resumed from paused. */
    public synchronized int pauses() {
        return pauses;
    }

    public synchronized int resumes() {
        return resumes;
    }
}
