package io.kvmj.cli.api;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The API's runtime requests over its real Unix socket, on a {@link FakeMachine}: {@code PATCH /vm} and the
 * state {@code GET /} reports, the actions besides {@code InstanceStart}, before and after the start.
 */
class RuntimeApiTest {
    private static final String BEFORE_START = "The requested operation is not supported before starting the microVM.";
    private static final String PAUSE = "{\"state\": \"Paused\"}";
    private static final String RESUME = "{\"state\": \"Resumed\"}";

    @TempDir
    Path dir;

    private final FakeMachine machine = new FakeMachine();
    private ApiServer server;
    private ApiClient api;

    @BeforeEach
    void serve() throws Exception {
        Files.writeString(dir.resolve("vmlinux"), "a kernel file; the machine check is the test's");
        server = new MicroVmApi("1.2.3", dir, c -> {}, c -> machine).serve(dir.resolve("api.sock"));
        api = new ApiClient(server.socket());
    }

    @AfterEach
    void close() throws Exception {
        api.close();
        server.close();
    }

    @Test
    void pauseAndResumeAreRefusedBeforeTheStart() throws Exception {
        assertEquals(ApiClient.Answer.fault(400, BEFORE_START), api.patch("/vm", PAUSE));
        assertEquals(ApiClient.Answer.fault(400, BEFORE_START), api.patch("/vm", RESUME));
        assertEquals("Not started", state());
        assertEquals(0, machine.pauses());
    }

    @Test
    void pauseAndResumeFollowTheMachineAndRepeatAsFirecrackerDoes() throws Exception {
        start();
        assertEquals("Running", state());
        assertEquals(ApiClient.Answer.NO_CONTENT, api.patch("/vm", PAUSE));
        assertEquals("Paused", state());
        assertEquals(ApiClient.Answer.NO_CONTENT, api.patch("/vm", PAUSE), "pausing a paused VM succeeds");
        assertEquals(1, machine.pauses(), "and changes nothing");
        assertEquals(ApiClient.Answer.NO_CONTENT, api.patch("/vm", RESUME));
        assertEquals("Running", state());
        assertEquals(ApiClient.Answer.NO_CONTENT, api.patch("/vm", RESUME), "resuming a running VM succeeds");
        assertEquals(1, machine.resumes());
        machine.end();
        assertEquals("Stopped", state());
        assertEquals(ApiClient.Answer.fault(400, "cannot pause the machine: it has ended"), api.patch("/vm", PAUSE));
    }

    @Test
    void aPauseThatTimesOutIsAnInternalError() throws Exception {
        start();
        machine.timeOutPauses();
        assertEquals(ApiClient.Answer.fault(500, "the microVM did not pause: vCPU 0 did not pause within 10 s"),
                api.patch("/vm", PAUSE));
        assertEquals("Running", state());
    }

    @Test
    void badStateBodiesAreRefusedInWordsBeforeAndAfterTheStart() throws Exception {
        for (boolean started : new boolean[] {false, true}) {
            if (started) start();
            assertEquals(ApiClient.Answer.fault(400, "state: \"Running\" is not one of \"Paused\", \"Resumed\""),
                    api.patch("/vm", "{\"state\": \"Running\"}"));
            assertEquals(ApiClient.Answer.fault(400, "state: required key missing"), api.patch("/vm", "{}"));
            assertEquals(ApiClient.Answer.fault(400, "state: expected a string"), api.patch("/vm", "{\"state\": 1}"));
            assertEquals(ApiClient.Answer.fault(400, "unknown key \"paused\" (known: state)"),
                    api.patch("/vm", "{\"state\": \"Paused\", \"paused\": true}"));
            assertEquals(ApiClient.Answer.fault(400, "the request body is empty, expected a JSON object"),
                    api.patch("/vm", ""));
            assertEquals(400, api.patch("/vm", "Paused").status());
            assertEquals(405, api.put("/vm", PAUSE).status());
        }
        assertEquals(0, machine.pauses());
        assertEquals("Running", state());
    }

    @Test
    void ctrlAltDelReachesARunningMachineOnly() throws Exception {
        assertEquals(ApiClient.Answer.fault(400, BEFORE_START), action("SendCtrlAltDel"));
        start();
        assertEquals(ApiClient.Answer.NO_CONTENT, action("SendCtrlAltDel"));
        assertEquals(1, machine.ctrlAltDels());
        assertEquals(ApiClient.Answer.NO_CONTENT, api.patch("/vm", PAUSE));
        assertEquals(ApiClient.Answer.fault(400, "cannot send Ctrl+Alt+Del to a VM that is PAUSED"),
                action("SendCtrlAltDel"));
        assertEquals(1, machine.ctrlAltDels());
    }

    @Test
    void otherActionsAreRefusedInWords() throws Exception {
        assertEquals(ApiClient.Answer.fault(400, BEFORE_START), action("FlushMetrics"));
        start();
        assertEquals(ApiClient.Answer.fault(400, "FlushMetrics is not implemented by kvmj yet: kvmj keeps no "
                + "metrics"), action("FlushMetrics"));
        assertEquals(ApiClient.Answer.fault(400, "action_type: \"Reboot\" is not one of \"InstanceStart\", "
                + "\"SendCtrlAltDel\", \"FlushMetrics\""), action("Reboot"));
        assertEquals("Running", state());
    }

    @Test
    void aMachineStartedFromAConfigFileIsDrivenAtOnce() throws Exception {
        FakeMachine fromFile = new FakeMachine();
        MicroVmApi started = new MicroVmApi("1", dir, c -> {}, c -> {
            throw new AssertionError("started from its file, not by the API");
        });
        started.startedFrom(io.kvmj.config.ConfigLoader.parse("{\"boot-source\": {\"kernel_image_path\": "
                + "\"vmlinux\"}}", dir), fromFile);
        try (ApiServer s = started.serve(dir.resolve("file.sock")); ApiClient client = new ApiClient(s.socket())) {
            assertEquals(ApiClient.Answer.NO_CONTENT, client.patch("/vm", PAUSE));
            assertEquals(RunningMachine.State.PAUSED, fromFile.state());
            assertEquals(400, client.put("/actions", "{\"action_type\": \"InstanceStart\"}").status());
        }
    }

    private void start() throws Exception {
        assertEquals(ApiClient.Answer.NO_CONTENT, api.put("/boot-source", "{\"kernel_image_path\": \"vmlinux\"}"));
        assertEquals(ApiClient.Answer.NO_CONTENT, action("InstanceStart"));
    }

    private ApiClient.Answer action(String type) throws Exception {
        return api.put("/actions", "{\"action_type\": \"" + type + "\"}");
    }

    private String state() throws Exception {
        ApiClient.Answer info = api.get("/");
        assertEquals(200, info.status());
        return info.body().replaceAll(".*\"state\":\"([^\"]*)\".*", "$1");
    }
}
