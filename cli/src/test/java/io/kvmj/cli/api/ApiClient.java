package io.kvmj.cli.api;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.io.Transport;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A test's HTTP client on the API's Unix socket (Jetty's client over its Unix-domain transport), as curl would be. */
final class ApiClient implements AutoCloseable {
    record Answer(int status, String body) {
        static final Answer NO_CONTENT = new Answer(204, "");

        /** Firecracker's fault answer: {@code status} and {@code {"fault_message": message}}. */
        static Answer fault(int status, String message) {
            return new Answer(status, Json.object(g -> g.writeStringField("fault_message", message)));
        }
    }

    private final HttpClient client = new HttpClient();
    private final Path socket;

    ApiClient(Path socket) throws Exception {
        this.socket = socket;
        client.start();
    }

    Answer get(String path) throws Exception {
        return send("GET", path, null);
    }

    Answer put(String path, String body) throws Exception {
        return send("PUT", path, body);
    }

    Answer patch(String path, String body) throws Exception {
        return send("PATCH", path, body);
    }

    /** {@code body} null: none. */
    Answer send(String method, String path, String body) throws Exception {
        Request request = client.newRequest("http://localhost" + path).method(method)
                .transport(new Transport.TCPUnix(socket)).timeout(10, TimeUnit.SECONDS);
        if (body != null) request.body(new StringRequestContent("application/json", body));
        ContentResponse response = request.send();
        return new Answer(response.getStatus(), response.getContentAsString());
    }

    @Override
    public void close() throws Exception {
        client.stop();
    }
}
