package io.kvmj.cli.api;

import java.io.Serial;

/** A request the API refuses: {@link #status()} and a one-line message, answered as a fault. */
final class ApiException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** 400: the request itself is wrong (its body, its ids, or when it comes). */
    static ApiException badRequest(String message) {
        return new ApiException(ApiResponse.BAD_REQUEST, message);
    }

    int status() {
        return status;
    }

    ApiResponse toResponse() {
        return ApiResponse.fault(status, getMessage());
    }
}
