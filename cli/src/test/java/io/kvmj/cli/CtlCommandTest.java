package io.kvmj.cli;

import io.kvmj.cli.api.ApiServer;
import io.kvmj.cli.api.FakeMachine;
import io.kvmj.cli.api.MicroVmApi;
import io.kvmj.cli.api.RunningMachine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kvmj ctl} against the API on a real socket (a {@link FakeMachine} behind it): outputs and statuses. */
class CtlCommandTest {
    @TempDir
    Path dir;

    private final FakeMachine machine = new FakeMachine();
    private ApiServer server;
    private String socket;

    /** One run's status, stdout and stderr. */
    private record Run(int status, String out, String err) {}

    @BeforeEach
    void serve() throws Exception {
        Files.writeString(dir.resolve("vmlinux"), "a kernel file; the machine check is the test's");
        server = new MicroVmApi("1.2.3", dir, c -> {}, c -> machine).serve(dir.resolve("api.sock"));
        socket = server.socket().toString();
    }

    @AfterEach
    void close() throws Exception {
        server.close();
    }

    @Test
    void infoPrintsTheInstanceInfo() {
        assertEquals(new Run(0, "{\"id\":\"anonymous-instance\",\"state\":\"Not started\",\"vmm_version\":\"1.2.3\","
                + "\"app_name\":\"kvmj\"}\n", ""), ctl(socket, "info"));
    }

    @Test
    void startPauseResumeAreSilentAndChangeTheState() throws Exception {
        assertEquals(new Run(ExitCodes.API_FAULT, "", "kvmj ctl: boot-source: required key missing\n"),
                ctl(socket, "start"));
        assertEquals(new Run(ExitCodes.API_FAULT, "",
                "kvmj ctl: The requested operation is not supported before starting the microVM.\n"),
                ctl(socket, "pause"));
        try (ApiConnection api = new ApiConnection(server.socket())) {
            assertEquals("", api.send("PUT", "/boot-source", "{\"kernel_image_path\": \"vmlinux\"}"));
        }
        assertEquals(new Run(0, "", ""), ctl(socket, "start"));
        assertEquals(new Run(0, "", ""), ctl(socket, "pause"));
        assertEquals(RunningMachine.State.PAUSED, machine.state());
        assertTrue(ctl(socket, "info").out().contains("\"state\":\"Paused\""));
        assertEquals(new Run(ExitCodes.API_FAULT, "", "kvmj ctl: cannot send Ctrl+Alt+Del to a VM that is PAUSED\n"),
                ctl(socket, "ctrl-alt-del"));
        assertEquals(new Run(0, "", ""), ctl(socket, "resume"));
        assertEquals(RunningMachine.State.RUNNING, machine.state());
        assertEquals(1, machine.pauses());
        assertEquals(new Run(0, "", ""), ctl(socket, "ctrl-alt-del"));
        assertEquals(1, machine.ctrlAltDels());
    }

    @Test
    void configPrintsTheMachineAsAConfigFile() {
        Run config = ctl(socket, "config");
        assertEquals(0, config.status());
        assertTrue(config.out().startsWith("{\"machine-config\":{\"vcpu_count\":1,"), config.out());
    }

    @Test
    void aMissingSocketIsOneLine() {
        Path missing = dir.resolve("missing.sock");
        Run run = ctl(missing.toString(), "info");
        assertEquals(ExitCodes.API_UNREACHABLE, run.status());
        assertEquals("", run.out());
        assertTrue(run.err().startsWith("kvmj ctl: cannot reach the API: " + missing + ": "), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
    }

    @Test
    void aFileThatIsNotASocketIsOneLine() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-socket"), "");
        Run run = ctl(file.toString(), "info");
        assertEquals(ExitCodes.API_UNREACHABLE, run.status());
        assertEquals(1, run.err().lines().count(), run.err());
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        Run run = ctl(socket, "reboot");
        assertEquals(ExitCodes.USAGE, run.status());
        assertEquals("kvmj: Invalid value for positional parameter at index 1 (COMMAND): 'reboot' is not one of "
                + "[info, config, start, pause, resume, ctrl-alt-del] (see 'kvmj ctl --help')\n", run.err());
    }

    private static Run ctl(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            String[] all = new String[args.length + 1];
            all[0] = "ctl";
            System.arraycopy(args, 0, all, 1, args.length);
            int status = KvmjCommand.commandLine().execute(all);
            return new Run(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
