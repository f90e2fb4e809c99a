package io.kvmj.it;

/** The outcome of booting a test guest: the VMM's exit status and everything the guest printed on COM1. */
record GuestRun(int status, String serial, String stderr) {
    /** isa-debug-exit status for a guest that wrote {@code code}: QEMU's (code << 1) | 1. */
    static int debugExitStatus(int code) {
        return ((code << 1) | 1) & 0xff;
    }

    boolean passed() {
        return status == debugExitStatus(0) && serial.contains(" fail 0") && serial.contains("done");
    }

    @Override
    public String toString() {
        return "status " + status + "\n--- serial ---\n" + serial + "\n--- stderr ---\n" + stderr;
    }
}
