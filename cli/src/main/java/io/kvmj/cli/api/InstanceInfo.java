package io.kvmj.cli.api;

/**
 * {@code GET /} (Firecracker's InstanceInfo: id, state, vmm_version, app_name) and {@code GET /version}.
 *
 * @param id      the instance id (Firecracker's {@code --id}; "anonymous-instance" by default)
 * @param version kvmj's version
 */
record InstanceInfo(String id, String version, Instance instance) {
    static final String APP_NAME = "kvmj";
    static final String DEFAULT_ID = "anonymous-instance";

    void addTo(Router router) {
        router.add("GET", "/", request -> ApiResponse.ok(Json.object(g -> {
            g.writeStringField("id", id);
            g.writeStringField("state", instance.stateName());
            g.writeStringField("vmm_version", version);
            g.writeStringField("app_name", APP_NAME);
        })));
        // Firecracker's schema names the key after itself; clients read it there
        router.add("GET", "/version",
                request -> ApiResponse.ok(Json.object(g -> g.writeStringField("firecracker_version", version))));
    }
}
