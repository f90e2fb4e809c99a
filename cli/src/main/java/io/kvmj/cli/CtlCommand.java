package io.kvmj.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code kvmj ctl SOCKET COMMAND}: drives a running {@code kvmj run --api-sock SOCKET} (or a Firecracker) through
 * its REST API, one request per command, as virsh drives a libvirt domain.
 */
@Command(name = "ctl", mixinStandardHelpOptions = true, addMethodSubcommands = false,
        description = {"Send one request to the REST API of a microVM (kvmj run --api-sock SOCKET).",
            "info and config print the API's JSON answer; the others print nothing when they succeed."},
        footer = {"", "Exit status: 0 done; 2 bad flags; 8 the API refused the request (its fault_message on stderr);",
            "10 the socket cannot be reached (one line on stderr)."})
final class CtlCommand implements Callable<Integer> {
    /** The commands: each one request to the API. */
    enum Action {
        INFO("info", "GET", "/", null),
        CONFIG("config", "GET", "/vm/config", null),
        START("start", "PUT", "/actions", "{\"action_type\":\"InstanceStart\"}"),
        PAUSE("pause", "PATCH", "/vm", "{\"state\":\"Paused\"}"),
        RESUME("resume", "PATCH", "/vm", "{\"state\":\"Resumed\"}"),
        CTRL_ALT_DEL("ctrl-alt-del", "PUT", "/actions", "{\"action_type\":\"SendCtrlAltDel\"}");

        final String command;
        final String method;
        final String path;
        final String body;

        Action(String command, String method, String path, String body) {
            this.command = command;
            this.method = method;
            this.path = path;
            this.body = body;
        }

        @Override
        public String toString() {
            return command;
        }
    }

    /** The COMMAND argument by its name ({@code ctrl-alt-del}), which is not the constant's. */
    static final class ActionConverter implements CommandLine.ITypeConverter<Action> {
        @Override
        public Action convert(String value) {
            for (Action a : Action.values()) {
                if (a.command.equals(value)) return a;
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not one of "
                    + java.util.Arrays.toString(Action.values()));
        }
    }

    @Parameters(index = "0", paramLabel = "SOCKET", description = "the API's Unix socket")
    Path socket;

    @Parameters(index = "1", paramLabel = "COMMAND", converter = ActionConverter.class,
            description = "info (GET /), config (GET /vm/config), start (InstanceStart), pause, resume (PATCH /vm), "
                    + "ctrl-alt-del (SendCtrlAltDel)")
    Action action;

    @Override
    public Integer call() {
        try (ApiConnection api = new ApiConnection(socket)) {
            String answer = api.send(action.method, action.path, action.body);
            if (action.body == null) System.out.println(answer);
            return ExitCodes.OK;
        } catch (ApiConnection.ApiFault e) {
            return fail(ExitCodes.API_FAULT, e.getMessage());
        } catch (IOException e) {
            return fail(ExitCodes.API_UNREACHABLE, "cannot reach the API: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.INTERRUPTED;
        }
    }

    private static int fail(int status, String message) {
        System.err.println("kvmj ctl: " + message);
        return status;
    }
}
