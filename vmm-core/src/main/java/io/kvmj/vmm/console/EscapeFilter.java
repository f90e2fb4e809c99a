package io.kvmj.vmm.console;

/**
 * QEMU's console escapes on raw terminal input: Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A, and Ctrl-A
 * followed by anything else sends both bytes. Stateful across reads, since a key pair may be split.
 */
public final class EscapeFilter {
    static final byte CTRL_A = 0x01;
    private boolean escapePending;
    private boolean quit;

    /**
     * Filters {@code in[0..length)} into {@code out}, which must hold {@code length + 1} bytes (a Ctrl-A left
     * pending by the previous read may add one). Returns the number of bytes for the guest.
     */
    public int filter(byte[] in, int length, byte[] out) {
        int n = 0;
        for (int i = 0; i < length && !quit; i++) {
            byte b = in[i];
            if (escapePending) {
                escapePending = false;
                if (b == 'x' || b == 'X') {
                    quit = true;
                } else {
                    if (b != CTRL_A) {
                        out[n++] = CTRL_A;
                    }
                    out[n++] = b;
                }
            } else if (b == CTRL_A) {
                escapePending = true;
            } else {
                out[n++] = b;
            }
        }
        return n;
    }

    /** True once the user typed Ctrl-A x. */
    public boolean quitRequested() {
        return quit;
    }
}
