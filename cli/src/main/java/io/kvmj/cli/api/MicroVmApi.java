package io.kvmj.cli.api;

import io.kvmj.config.VmConfig;

import java.io.IOException;
import java.nio.file.Path;

/** The Firecracker-style API of one microVM: its machine and routes, to serve on a Unix socket. */
public final class MicroVmApi {
    private final PendingMachine machine;
    private final Instance instance = new Instance();
    private final Router router = new Router();

    /**
     * @param version kvmj's version, for {@code GET /} and {@code GET /version}
     * @param baseDir the directory relative paths in request bodies resolve against
     * @param check   what {@code InstanceStart} checks the machine with, after its config
     * @param starter what {@code InstanceStart} hands the machine to
     */
    public MicroVmApi(String version, Path baseDir, MachineCheck check, VmStarter starter) {
        machine = new PendingMachine(baseDir);
        new InstanceInfo(InstanceInfo.DEFAULT_ID, version, instance).addTo(router);
        new MachineResources(machine).addTo(router);
        new InstanceActions(machine, instance, check, starter).addTo(router);
        new VmState(instance).addTo(router);
    }

    /**
     * The machine was started without the API, from {@code config}, and runs as {@code running}: the API shows it,
     * drives it, and takes no pre-boot changes.
     */
    public void startedFrom(VmConfig config, RunningMachine running) {
        machine.startedFrom(config);
        instance.started(running);
    }

    /** Every route, as {@code METHOD /path} with {@code {id}} for a path's id segment, sorted. */
    java.util.SortedSet<String> routes() {
        return router.routes();
    }

    /**
     * Serves the API on a new socket file at {@code socket}, until the server is closed.
     *
     * @throws java.nio.file.FileAlreadyExistsException {@code socket} exists
     * @throws IOException the socket cannot be created
     */
    public ApiServer serve(Path socket) throws IOException {
        return ApiServer.start(socket, router);
    }
}
