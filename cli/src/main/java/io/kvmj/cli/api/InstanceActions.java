package io.kvmj.cli.api;

import io.kvmj.config.VmConfig;
import io.kvmj.vmm.boot.BootException;

import java.io.UncheckedIOException;

/**
 * {@code PUT /actions}. {@code InstanceStart} validates the whole machine as {@code kvmj validate} does (the
 * config document, then the machine itself) and hands it to the {@link VmStarter}; after that the machine
 * takes no more pre-boot requests. Firecracker's other actions are refused as not implemented.
 */
final class InstanceActions {
    static final String INSTANCE_START = "InstanceStart";

    private final PendingMachine machine;
    private final MachineCheck check;
    private final VmStarter starter;

    /** @param starter null: a start only validates and marks the machine started (nothing runs) */
    InstanceActions(PendingMachine machine, MachineCheck check, VmStarter starter) {
        this.machine = machine;
        this.check = check;
        this.starter = starter;
    }

    void addTo(Router router) {
        router.add("PUT", "/actions", this::act);
    }

    private ApiResponse act(ApiRequest request) throws ApiException {
        String action = Json.stringMember(Json.compactObject(request.body()), "action_type");
        if (action == null) throw ApiException.badRequest("action_type: required key missing");
        if (!action.equals(INSTANCE_START)) {
            throw ApiException.badRequest("action_type: \"" + action + "\" is not supported by kvmj (only \""
                    + INSTANCE_START + "\")");
        }
        machine.start(this::start);
        return ApiResponse.noContent();
    }

    private void start(VmConfig config) throws ApiException {
        try {
            check.check(config);
        } catch (BootException | IllegalArgumentException | UncheckedIOException e) {
            // the machine's own problems, in the words kvmj validate and kvmj run use for them
            throw ApiException.badRequest(e.getMessage());
        }
        if (starter != null) {
            try {
                starter.start(config);
            } catch (RuntimeException e) {
                throw new ApiException(ApiResponse.INTERNAL_ERROR, "the microVM did not start: " + e.getMessage());
            }
        }
    }
}
