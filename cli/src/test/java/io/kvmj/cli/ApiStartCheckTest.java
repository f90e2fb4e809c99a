package io.kvmj.cli;

import io.kvmj.cli.api.ApiServer;
import io.kvmj.cli.api.MicroVmApi;
import io.kvmj.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI's API wiring: {@code InstanceStart} refuses a machine with the line {@code kvmj validate} prints. */
class ApiStartCheckTest {
    @TempDir
    Path dir;

    @Test
    void aKernelThatCannotBootIsRefusedWithValidatesMessage() throws Exception {
        Path kernel = Files.writeString(dir.resolve("kernel.txt"), "just text, not a kernel\n".repeat(10));
        String body = "{\"kernel_image_path\": \"" + kernel + "\"}";
        Path file = Files.writeString(dir.resolve("vm.json"), "{\"boot-source\": " + body + "}");
        String validates = assertThrows(RuntimeException.class, () -> VmLaunch.check(ConfigLoader.load(file)))
                .getMessage();

        boolean[] started = {false};
        try (ApiServer server = new MicroVmApi("1", dir, VmLaunch::check, c -> {
            started[0] = true;
            return new io.kvmj.cli.api.FakeMachine();
        })
                .serve(dir.resolve("api.sock"))) {
            assertTrue(exchange(server.socket(), "PUT", "/boot-source", body).startsWith("HTTP/1.1 204"));
            String answer = exchange(server.socket(), "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
            assertTrue(answer.endsWith("{\"fault_message\":\"" + validates + "\"}"), answer);
        }
        assertEquals(false, started[0]);
    }

    /** One request by hand over the socket, as curl sends it; the whole answer, headers included. */
    private static String exchange(Path socket, String method, String path, String body) throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + content.length + "\r\n\r\n";
            channel.write(ByteBuffer.wrap((head + body).getBytes(StandardCharsets.UTF_8)));
            var answer = new java.io.ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            while (channel.read(buffer) >= 0) {
                answer.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }
}
