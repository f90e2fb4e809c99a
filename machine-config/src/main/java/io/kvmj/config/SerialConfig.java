package io.kvmj.config;

/**
 * Where the guest's serial console goes.
 *
 * @param stdinInput true when the console reads the host's stdin
 */
public record SerialConfig(SerialOutput output, boolean stdinInput) {
    /** Console on stdout, input from stdin: the default when the config says nothing. */
    public static SerialConfig defaults() {
        return new SerialConfig(new SerialOutput.Stdout(), true);
    }
}
