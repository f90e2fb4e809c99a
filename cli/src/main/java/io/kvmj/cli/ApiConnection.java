package io.kvmj.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.io.Transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One client of kvmj's (Firecracker's) API on its Unix socket: Jetty's HTTP client over its Unix-domain transport.
 * An answer with an error status becomes an {@link ApiFault} carrying the API's {@code fault_message}.
 */
final class ApiConnection implements AutoCloseable {
    /** Longer than the API's slowest answer, a pause (10 s at most), plus its own slack. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final JsonFactory JSON = new JsonFactory();

    /** The API refused the request: its status and {@code fault_message}. */
    static final class ApiFault extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        ApiFault(String message) {
            super(message);
        }
    }

    private final HttpClient client = new HttpClient();
    private final Path socket;

    /** @throws IOException Jetty's client could not start (no threads) */
    ApiConnection(Path socket) throws IOException {
        this.socket = socket;
        try {
            client.start();
        } catch (Exception e) {
            throw new IOException("starting the HTTP client: " + e.getMessage(), e);
        }
    }

    /**
     * Sends {@code method path} with {@code body} (JSON; null for none) and returns the answer's body, "" for none.
     *
     * @throws ApiFault    the API answered with a status of 300 or more
     * @throws IOException the socket cannot be reached, or the exchange broke off or timed out; a one-line message
     */
    String send(String method, String path, String body) throws ApiFault, IOException, InterruptedException {
        Request request = client.newRequest("http://localhost" + path).method(method)
                .transport(new Transport.TCPUnix(socket)).timeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (body != null) request.body(new StringRequestContent("application/json", body));
        ContentResponse response;
        try {
            response = request.send();
        } catch (ExecutionException e) {
            throw new IOException(socket + ": " + why(e.getCause() == null ? e : e.getCause()), e);
        } catch (TimeoutException e) {
            throw new IOException(socket + ": no answer within " + TIMEOUT.toSeconds() + " s", e);
        }
        String content = response.getContentAsString();
        if (response.getStatus() >= 300) throw new ApiFault(faultMessage(response.getStatus(), content));
        return content;
    }

    // Jetty says "Could not connect to PATH" whatever the reason; the commonest is told apart.
    private String why(Throwable failure) {
        if (Files.notExists(socket)) return "no such file";
        return failure.getMessage() == null ? failure.toString() : failure.getMessage();
    }

    /** The body's {@code fault_message}; for any other body, the status and the body as it came. */
    private static String faultMessage(int status, String body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    boolean fault = p.currentName().equals("fault_message");
                    if (p.nextToken() == JsonToken.VALUE_STRING && fault) return p.getText();
                    p.skipChildren();
                }
            }
        } catch (IOException notJson) {
            // said below as it came
        }
        return "HTTP status " + status + (body.isBlank() ? "" : ": " + body.strip());
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            // a client of one request, at exit: nothing is left to release that the process end does not
        }
    }
}
