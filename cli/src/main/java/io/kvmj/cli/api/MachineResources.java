package io.kvmj.cli.api;

/**
 * The pre-boot resources: {@code PUT} of Firecracker's machine sections, each body validated by the config
 * module on the whole machine ({@link PendingMachine}), and {@code GET} of the machine so far.
 */
final class MachineResources {
    /** Firecracker's answer when a body's id is not the one in the path. */
    static final String ID_MISMATCH = "The id from the path does not match the id from the body!";

    private final PendingMachine machine;

    MachineResources(PendingMachine machine) {
        this.machine = machine;
    }

    /** Adds the routes: PUT of each section, of drives and network interfaces by id; GET of the machine. */
    void addTo(Router router) {
        for (String section : new String[] {PendingMachine.BOOT_SOURCE, PendingMachine.MACHINE_CONFIG,
            PendingMachine.VSOCK, PendingMachine.ENTROPY}) {
            router.add("PUT", "/" + section, request -> putSection(section, request));
        }
        router.add("PUT", "/drives/{id}", request -> putElement(PendingMachine.DRIVES, "drive_id", request));
        router.add("PUT", "/network-interfaces/{id}",
                request -> putElement(PendingMachine.NETWORK_INTERFACES, "iface_id", request));
        router.add("GET", "/machine-config", request -> ApiResponse.ok(machine.machineConfig()));
        router.add("GET", "/vm/config", request -> ApiResponse.ok(machine.document()));
    }

    private ApiResponse putSection(String section, ApiRequest request) throws ApiException {
        machine.putSection(section, Json.compactObject(request.body()));
        return ApiResponse.noContent();
    }

    /**
     * Firecracker checks the id before the body's contents: a body without {@code idKey} (or another id) is a
     * mismatch, whatever else is wrong with it.
     */
    private ApiResponse putElement(String list, String idKey, ApiRequest request) throws ApiException {
        String object = Json.compactObject(request.body());
        if (!request.pathId().equals(Json.stringMember(object, idKey))) {
            throw ApiException.badRequest(ID_MISMATCH);
        }
        machine.putElement(list, request.pathId(), object);
        return ApiResponse.noContent();
    }
}
