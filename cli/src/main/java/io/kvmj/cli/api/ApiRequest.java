package io.kvmj.cli.api;

/**
 * One API request as the {@link Router} hands it to a handler.
 *
 * @param method the HTTP method, upper case ({@code PUT})
 * @param path   the request path without the query ({@code /drives/rootfs})
 * @param pathId the path's {@code {id}} segment for routes that have one ({@code rootfs}), else null
 * @param body   the request body as UTF-8 text; empty when there is none
 */
record ApiRequest(String method, String path, String pathId, String body) {
    /** The same request with the {@code {id}} its route matched. */
    ApiRequest withPathId(String id) {
        return new ApiRequest(method, path, id, body);
    }
}
