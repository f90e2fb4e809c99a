package io.kvmj.cli.api;

import java.util.concurrent.TimeoutException;

/**
 * {@code PATCH /vm}: Firecracker's pause and resume, {@code {"state": "Paused"}} or {@code {"state": "Resumed"}},
 * answered 204 once the machine is in that state. As in Firecracker, pausing a paused machine or resuming a running
 * one succeeds and changes nothing; before {@code InstanceStart} the request is refused (400).
 */
final class VmState {
    static final String PAUSED = "Paused";
    static final String RESUMED = "Resumed";
    private static final String STATE = "state";

    private final Instance instance;

    VmState(Instance instance) {
        this.instance = instance;
    }

    void addTo(Router router) {
        router.add("PATCH", "/vm", this::patch);
    }

    // The body first, then the machine: Firecracker parses a request before it asks the VMM.
    private ApiResponse patch(ApiRequest request) throws ApiException {
        String body = Json.compactObject(request.body());
        Json.knownKeysOnly(body, STATE);
        String state = Json.stringMember(body, STATE);
        if (state == null) throw ApiException.badRequest(STATE + ": required key missing");
        boolean pause = switch (state) {
            case PAUSED -> true;
            case RESUMED -> false;
            default -> throw ApiException.badRequest(STATE + ": \"" + state + "\" is not one of \"" + PAUSED
                    + "\", \"" + RESUMED + "\"");
        };
        RunningMachine machine = instance.machine();
        try {
            if (pause) {
                machine.pause();
            } else {
                machine.resume();
            }
        } catch (IllegalStateException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (TimeoutException e) {
            throw new ApiException(ApiResponse.INTERNAL_ERROR, "the microVM did not pause: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ApiResponse.INTERNAL_ERROR, "the microVM did not pause: interrupted");
        }
        return ApiResponse.noContent();
    }
}
