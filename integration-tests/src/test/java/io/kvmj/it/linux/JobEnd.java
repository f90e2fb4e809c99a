package io.kvmj.it.linux;

/** How a guest job's machine ends once the job's script is done. */
public enum JobEnd {
    /** The init powers the machine off ({@code poweroff -f}) after the job, unless the job ended it already. */
    POWER_OFF,
    /**
     * The job replaces the init ({@code exec}): when its script ends, PID 1 exits and the kernel panics
     * ("Attempted to kill init!"), then does what {@code panic=} says.
     */
    INIT_EXITS
}
