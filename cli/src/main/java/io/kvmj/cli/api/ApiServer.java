package io.kvmj.cli.api;

import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Serves a {@link Router} over HTTP/1.1 on a Unix domain socket (Jetty), as Firecracker's {@code --api-sock}.
 * The socket file is only ever visible with mode 0600 (only its owner may connect): it is bound in a new
 * directory of mode 0700 next to it, restricted there, and then hard-linked into place, which also fails if the
 * path has come to exist meanwhile. {@link #close()} stops serving and removes the socket file.
 */
public final class ApiServer implements AutoCloseable {
    // Requests are few and handled quickly; Jetty needs a few threads of its own (acceptor, selector) besides.
    private static final int MAX_THREADS = 8;
    private static final int MIN_THREADS = 2;

    private final Server server;
    private final Path socket;

    private ApiServer(Server server, Path socket) {
        this.server = server;
        this.socket = socket;
    }

    /**
     * Starts serving {@code router} on a new socket at {@code socket}.
     *
     * @throws FileAlreadyExistsException {@code socket} exists (a stale socket is not removed: it may be another
     *                                    VMM's)
     * @throws IOException                the socket cannot be created there (no such directory, no permission,
     *                                    a path too long for a Unix socket)
     */
    static ApiServer start(Path socket, Router router) throws IOException {
        Path target = socket.toAbsolutePath();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "already exists");
        }
        Path dir = Files.createTempDirectory(target.getParent(), ".kvmj-api-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path bound = dir.resolve("sock");
        Server server = new Server(new QueuedThreadPool(MAX_THREADS, MIN_THREADS));
        try {
            UnixDomainServerConnector connector = new UnixDomainServerConnector(server, new HttpConnectionFactory());
            connector.setUnixDomainPath(bound);
            server.addConnector(connector);
            server.setHandler(new HttpAdapter(router));
            server.start();
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
            Files.createLink(target, bound);
        } catch (Exception e) {
            try {
                stop(server);
            } catch (IllegalStateException notStopped) {
                e.addSuppressed(notStopped); // the reason it did not start is the one to report
            }
            throw e instanceof IOException io ? io : new IOException("API socket " + target + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(bound);
            Files.delete(dir);
        }
        return new ApiServer(server, target);
    }

    /** The socket's path, absolute. */
    public Path socket() {
        return socket;
    }

    /** Stops serving (requests under way are cut short) and removes the socket file. */
    @Override
    public void close() throws IOException {
        stop(server);
        Files.deleteIfExists(socket);
    }

    private static void stop(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            // Jetty's stop reports what its components failed at; the server is stopped regardless
            throw new IllegalStateException("stopping the API server: " + e.getMessage(), e);
        }
    }
}
