package io.kvmj.cli.api;

import io.kvmj.config.VmConfig;
import io.kvmj.vmm.boot.BootException;

import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * {@code PUT /actions}. {@code InstanceStart} validates the whole machine as {@code kvmj validate} does (the
 * config document, then the machine itself) and hands it to the {@link VmStarter}; after that the machine
 * takes no more pre-boot requests. Firecracker's other actions, {@code SendCtrlAltDel} and {@code FlushMetrics},
 * are refused in words: before the start as Firecracker refuses them, after it as not implemented by kvmj yet.
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
            case SEND_CTRL_ALT_DEL -> notYet(action, "kvmj's i8042 has no keyboard to send the keys through");
            case FLUSH_METRICS -> notYet(action, "kvmj keeps no metrics yet");
            default -> throw ApiException.badRequest("action_type: \"" + action + "\" is not one of \""
                    + INSTANCE_START + "\", \"" + SEND_CTRL_ALT_DEL + "\", \"" + FLUSH_METRICS + "\"");
        }
        return ApiResponse.noContent();
    }

    // Firecracker refuses these before the start; kvmj refuses them after it too, saying why.
    private void notYet(String action, String why) throws ApiException {
        instance.machine();
        throw ApiException.badRequest(action + " is not implemented by kvmj yet: " + why);
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
