package io.kvmj.cli.api;

import io.kvmj.config.VmConfig;
import io.kvmj.vmm.boot.BootException;

import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * {@code PUT /actions}. {@code InstanceStart} validates the whole machine as {@code kvmj validate} does (the
 * config document, then the machine itself) and hands it to the {@link VmStarter}; after that the machine
 * takes no more pre-boot requests. {@code SendCtrlAltDel} types Ctrl+Alt+Del on the running machine's keyboard.
 * {@code FlushMetrics} is refused in words: kvmj keeps no metrics yet. Both are refused before the start, as
 * Firecracker refuses them.
 */
final class InstanceActions {
    static final String INSTANCE_START = "InstanceStart";
    static final String SEND_CTRL_ALT_DEL = "SendCtrlAltDel";
    static final String FLUSH_METRICS = "FlushMetrics";

    private final PendingMachine machine;
    private final Instance instance;
    private final MachineCheck check;
    private final VmStarter starter;

    InstanceActions(PendingMachine machine, Instance instance, MachineCheck check, VmStarter starter) {
        this.machine = machine;
        this.instance = instance;
        this.check = check;
        this.starter = Objects.requireNonNull(starter, "starter");
    }

    void addTo(Router router) {
        router.add("PUT", "/actions", this::act);
    }

    private ApiResponse act(ApiRequest request) throws ApiException {
        String action = Json.stringMember(Json.compactObject(request.body()), "action_type");
        if (action == null) throw ApiException.badRequest("action_type: required key missing");
        switch (action) {
            case INSTANCE_START -> machine.start(this::start);
            case SEND_CTRL_ALT_DEL -> sendCtrlAltDel();
            case FLUSH_METRICS -> {
                instance.machine(); // Firecracker's refusal before the start comes first
                throw ApiException.badRequest(action + " is not implemented by kvmj yet: kvmj keeps no metrics");
            }
            default -> throw ApiException.badRequest("action_type: \"" + action + "\" is not one of \""
                    + INSTANCE_START + "\", \"" + SEND_CTRL_ALT_DEL + "\", \"" + FLUSH_METRICS + "\"");
        }
        return ApiResponse.noContent();
    }

    private void sendCtrlAltDel() throws ApiException {
        RunningMachine running = instance.machine();
        try {
            running.sendCtrlAltDel();
        } catch (IllegalStateException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private void start(VmConfig config) throws ApiException {
        try {
            check.check(config);
        } catch (BootException | IllegalArgumentException | UncheckedIOException e) {
            // the machine's own problems, in the words kvmj validate and kvmj run use for them
            throw ApiException.badRequest(e.getMessage());
        }
        RunningMachine started;
        try {
            started = starter.start(config);
        } catch (RuntimeException e) {
            throw new ApiException(ApiResponse.INTERNAL_ERROR, "the microVM did not start: " + e.getMessage());
        }
        instance.started(started);
    }
}
