package io.kvmj.cli.api;

import io.kvmj.config.VmConfig;

/** Starts the machine once {@code InstanceStart} has validated it; the CLI's builds and runs the VM. */
@FunctionalInterface
public interface VmStarter {
    /**
     * Called once, on an API thread, with the whole machine validated as {@code kvmj validate} does. Should return
     * promptly: the request is answered when it does.
     *
     * @return the started machine, which the API's runtime requests ({@code PATCH /vm}, {@code GET /}) then drive
     * @throws RuntimeException the machine cannot be started; its message is answered as the fault
     */
    RunningMachine start(VmConfig config);
}
