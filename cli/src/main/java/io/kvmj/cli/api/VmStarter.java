package io.kvmj.cli.api;

import io.kvmj.config.VmConfig;

/** Starts the machine once {@code InstanceStart} has validated it; the CLI's builds and runs the VM. */
@FunctionalInterface
public interface VmStarter {
    /**
     * Called once, on an API thread, with the whole machine validated as {@code kvmj validate} does. Should return
     * promptly: the request is answered when it does.
     *
     * @throws RuntimeException the machine cannot be started; its message is answered as the fault
     */
    void start(VmConfig config);
}
