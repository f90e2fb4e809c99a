package io.kvmj.cli.api;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Jetty's side of the API: turns each HTTP request into an {@link ApiRequest} for the {@link Router} and writes
 * its {@link ApiResponse}. Blocking (the body is read whole on Jetty's thread): API requests are small and few.
 */
final class HttpAdapter extends Handler.Abstract {
    private static final Logger LOG = Logger.getLogger(HttpAdapter.class.getName());
    /** Firecracker's limit on a request body, in bytes; machine resources are a few hundred. */
    static final long MAX_BODY_BYTES = 51_200;

    private final Router router;

    HttpAdapter(Router router) {
        this.router = router;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        ApiResponse answer;
        try {
            answer = answer(request);
        } catch (RuntimeException e) {
            // a kvmj bug, not the client's: answered, logged with its stack, and the server keeps serving
            LOG.log(Level.SEVERE, "API request " + request.getMethod() + " " + request.getHttpURI().getPath(), e);
            answer = ApiResponse.fault(ApiResponse.INTERNAL_ERROR, "internal error: " + e);
        }
        response.setStatus(answer.status());
        if (answer.json() == null) {
            callback.succeeded();
        } else {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            Content.Sink.write(response, true, answer.json(), callback);
        }
        return true;
    }

    private ApiResponse answer(Request request) {
        if (request.getLength() > MAX_BODY_BYTES) {
            return ApiResponse.fault(ApiResponse.BAD_REQUEST, "the request body is " + request.getLength()
                    + " bytes, more than the " + MAX_BODY_BYTES + " allowed");
        }
        String body;
        try {
            body = Content.Source.asString(request, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return ApiResponse.fault(ApiResponse.BAD_REQUEST, "cannot read the request body: " + e.getMessage());
        }
        return router.route(new ApiRequest(request.getMethod(), request.getHttpURI().getDecodedPath(), null, body));
    }
}
