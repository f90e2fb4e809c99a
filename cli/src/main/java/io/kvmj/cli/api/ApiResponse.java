package io.kvmj.cli.api;

/**
 * One API answer: an HTTP status and a JSON body, or no body (204).
 *
 * @param json the body, a JSON document; null for none
 */
record ApiResponse(int status, String json) {
    static final int OK = 200;
    static final int NO_CONTENT = 204;
    static final int BAD_REQUEST = 400;
    static final int NOT_FOUND = 404;
    static final int METHOD_NOT_ALLOWED = 405;
    static final int INTERNAL_ERROR = 500;

    static ApiResponse ok(String json) {
        return new ApiResponse(OK, json);
    }

    /** What Firecracker answers a successful PUT with. */
    static ApiResponse noContent() {
        return new ApiResponse(NO_CONTENT, null);
    }

    /** Firecracker's error shape, {@code {"fault_message": "..."}}. */
    static ApiResponse fault(int status, String message) {
        return new ApiResponse(status, Json.object(g -> g.writeStringField("fault_message", message)));
    }
}
