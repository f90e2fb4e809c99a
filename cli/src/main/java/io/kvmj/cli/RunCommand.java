package io.kvmj.cli;

import io.kvmj.cli.api.ApiServer;
import io.kvmj.cli.api.MicroVmApi;
import io.kvmj.cli.api.VmStarter;
import io.kvmj.config.ConfigException;
import io.kvmj.config.ConfigLoader;
import io.kvmj.config.MemorySize;
import io.kvmj.config.VmConfig;
import io.kvmj.kvm.Kvm;
import io.kvmj.kvm.KvmUnavailableException;
import io.kvmj.sys.RawTerminal;
import io.kvmj.sys.SyscallException;
import io.kvmj.vmm.ResetAction;
import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.VmSession;
import io.kvmj.vmm.boot.BootException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/** {@code kvmj run}: boots a VM from a config file or from flags and runs it until it stops. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, addMethodSubcommands = false,
        description = {"Boot a microVM from a JSON config file (--config), from flags (--kernel ...), or from "
            + "Firecracker's REST API (--api-sock).",
            "COM1 is connected to stdout/stdin; on a terminal, Ctrl-A x quits."},
        footer = {"", "Exit status: 0 guest reset or power-off, or Ctrl-A x; odd: isa-debug-exit;",
            "2 bad flags/config/kernel/machine (as validate finds them); 4 VMM failure;",
            "6 guest triple fault; 130 Ctrl-C."})
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "machine-config JSON file")
    Path config;

    @CommandLine.Parameters(arity = "0..1", paramLabel = "CONFIG", description = "same as --config CONFIG")
    Path positionalConfig;

    @Option(names = "--kernel", paramLabel = "FILE", description = "kernel: ELF vmlinux (PVH or 64-bit entry), bzImage, or a test guest")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "initial ramdisk")
    Path initrd;

    @Option(names = "--cmdline", paramLabel = "STR", description = "kernel command line")
    String cmdline;

    @Option(names = "--mem", paramLabel = "SIZE", description = "guest memory, e.g. 256M or 4G (default: 256M)")
    String mem;

    @Option(names = "--cpus", paramLabel = "N", description = "number of vCPUs (default: 1)")
    Integer cpus;

    @Option(names = "--debug-exit", paramLabel = "PORT", arity = "0..1", fallbackValue = "0xf4",
            description = "add QEMU's isa-debug-exit device at PORT (default 0xf4)")
    String debugExit;

    @Option(names = "--no-acpi", description = "no ACPI tables: an MP table, and virtio devices listed on the "
            + "kernel command line (for guests that do not read ACPI, like QEMU's microvm,acpi=off)")
    boolean noAcpi;

    @Option(names = "--on-reset", paramLabel = "ACTION",
            description = "what a guest reset (triple fault included) does: exit (end the VM, the default) or "
                    + "restart (start the machine afresh, disks kept); overrides the config's \"on-reset\"")
    OnReset onReset;

    /** The values of {@code --on-reset}, spelled as the config file's {@code "on-reset"}. */
    enum OnReset {
        exit(ResetAction.EXIT), restart(ResetAction.RESTART);

        final ResetAction action;

        OnReset(ResetAction action) {
            this.action = action;
        }
    }

    @Option(names = "--api-sock", paramLabel = "PATH",
            description = "serve Firecracker's REST API on a new Unix socket at PATH (mode 0600, removed at exit); "
                    + "without --config the VM starts on PUT /actions {\"action_type\": \"InstanceStart\"}")
    Path apiSock;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "warn",
            description = "error, warn, info or debug (default: ${DEFAULT-VALUE}); logs go to stderr")
    LogSetup.LogLevel logLevel;

    @Override
    public Integer call() {
        LogSetup.configure(logLevel);
        VmConfig vmConfig;
        try {
            if (positionalConfig != null) {
                if (config != null) {
                    throw usage("give the config file once: either CONFIG or --config");
                }
                config = positionalConfig;
            }
            if (apiSock != null && kernel != null) {
                throw usage("--api-sock takes the machine from the API or from --config, not from --kernel");
            }
            if (apiSock != null && config == null) {
                return runFromApi();
            }
            vmConfig = config != null ? fromFile() : fromFlags();
        } catch (ConfigException e) {
            return fail(ExitCodes.USAGE, e.getMessage());
        }
        Launched machine;
        try {
            machine = launch(vmConfig);
        } catch (RuntimeException e) {
            return failBuilding(e);
        }
        if (apiSock == null) {
            return run(machine);
        }
        // the API refuses InstanceStart on a machine started from its file, so it never calls this starter
        MicroVmApi api = api(config -> {
            throw new IllegalStateException("the machine was started from " + this.config);
        });
        api.startedFrom(vmConfig, new SessionMachine(machine.session()));
        return serving(api, () -> run(machine));
    }

    /**
     * Serves the API until {@code InstanceStart}, then runs the machine it assembled while still serving. The
     * machine's session is made on the API thread, so that the API drives it from the start's answer on.
     */
    private int runFromApi() {
        CompletableFuture<Launched> started = new CompletableFuture<>();
        return serving(api(config -> {
            Launched machine = launch(config);
            started.complete(machine);
            return new SessionMachine(machine.session());
        }), () -> {
            try {
                return run(started.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ExitCodes.INTERRUPTED;
            } catch (ExecutionException e) {
                throw new IllegalStateException("the start hand-off does not fail", e);
            }
        });
    }

    private static MicroVmApi api(VmStarter starter) {
        return new MicroVmApi(KvmjCommand.version(), Path.of("").toAbsolutePath(), VmLaunch::check, starter);
    }

    /**
     * Runs {@code vm} with {@code api} served on {@code --api-sock}; the socket file goes when the VM ends, also on
     * SIGINT/SIGTERM (a shutdown hook), so that a next {@code kvmj run} can use the path.
     */
    private int serving(MicroVmApi api, IntSupplier vm) {
        ApiServer server;
        try {
            server = api.serve(apiSock);
        } catch (IOException e) {
            return fail(ExitCodes.USAGE, "--api-sock " + apiSock + ": " + describe(e));
        }
        Thread hook = new Thread(() -> closeQuietly(server), "kvmj-api-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return vm.getAsInt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
                closeQuietly(server);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running and closes the server
            }
        }
    }

    private static String describe(IOException e) {
        return e instanceof FileAlreadyExistsException ? "already exists (remove it if no VMM uses it)"
                : e.getMessage();
    }

    private static void closeQuietly(ApiServer server) {
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            // at exit: a socket file left behind is reported by the next --api-sock on the path
            System.err.println("kvmj: closing the API socket " + server.socket() + ": " + e.getMessage());
        }
    }

    private VmConfig fromFile() throws ConfigException {
        if (kernel != null || initrd != null || cmdline != null || mem != null || cpus != null || debugExit != null
                || noAcpi) {
            throw usage("--config cannot be combined with --kernel, --initrd, --cmdline, --mem, --cpus, --debug-exit "
                    + "or --no-acpi");
        }
        return ConfigLoader.load(config);
    }

    private VmConfig fromFlags() throws ConfigException {
        if (kernel == null) {
            throw usage("give --config FILE, or --kernel FILE with optional --initrd, --cmdline, --mem, --cpus");
        }
        long memMib = mem == null ? 256 : MemorySize.parseMib(mem);
        Integer port = debugExit == null ? null : parsePort(debugExit);
        return ConfigLoader.fromFlags(kernel, initrd, cmdline == null ? "" : cmdline, memMib,
                cpus == null ? 1 : cpus, port, !noAcpi);
    }

    private Integer parsePort(String value) {
        try {
            return Integer.decode(value);
        } catch (NumberFormatException e) {
            throw usage("--debug-exit: not a port number: " + value);
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** A machine ready to run: its console streams open, its session made but not run yet. */
    private record Launched(VmLaunch launch, VmSession session) {}

    /**
     * Opens the console streams {@code vmConfig} names and makes the session that runs it (nothing is built yet).
     *
     * @throws java.io.UncheckedIOException the serial output file cannot be opened
     */
    private Launched launch(VmConfig vmConfig) {
        VmLaunch launch = VmLaunch.of(vmConfig);
        ResetAction action = onReset != null ? onReset.action
                : vmConfig.restartOnReset() ? ResetAction.RESTART : ResetAction.EXIT;
        return new Launched(launch, new VmSession(launch.spec(), action));
    }

    private int run(Launched machine) {
        RawTerminal terminal = null;
        try (VmLaunch launch = machine.launch()) {
            if (launch.spec().serialInput() != null && launch.spec().serialInput().escapes()) {
                terminal = RawTerminal.enterIfTerminal(0);
            }
            return exitCode(runUntilStopped(machine.session()));
        } catch (RuntimeException e) {
            return failBuilding(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.INTERRUPTED;
        } finally {
            if (terminal != null) {
                terminal.close();
            }
        }
    }

    /** Runs the VMs; SIGINT/SIGTERM stop them through a shutdown hook that waits for the session to end. */
    private static VmExitReason runUntilStopped(VmSession session) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            session.requestStop(new VmExitReason.Stopped("signal"));
            try {
                done.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kvmj-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return session.run();
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: the JVM exits with 128 + signal once it returns
            }
        }
    }

    /**
     * The one line and status for a VM that could not be built, shared with {@code validate}: status 2 for the
     * user's machine (bad kernel, initrd, devices, files), 4 for the host (KVM, system calls); anything else is a
     * bug and is rethrown.
     */
    static int failBuilding(RuntimeException e) {
        if (e instanceof BootException || e instanceof IllegalArgumentException
                || e instanceof java.io.UncheckedIOException) {
            return fail(ExitCodes.USAGE, e.getMessage());
        }
        if (e instanceof KvmUnavailableException) {
            return fail(ExitCodes.VMM_FAILURE, "VMM failure: " + e.getMessage() + nestedMachineHint());
        }
        if (e instanceof SyscallException) {
            return fail(ExitCodes.VMM_FAILURE, "VMM failure: " + e.getMessage());
        }
        throw e;
    }

    /** Where the host has no KVM at all, the project's emulated machine is the way to try kvmj anyway. */
    private static String nestedMachineHint() {
        return Files.exists(Path.of(Kvm.DEVICE)) ? ""
                : "; to try kvmj anyway, run it in an emulated machine that has KVM, from kvmj's source tree: "
                + "scripts/nested-kvm.sh -- ./kvmj run ...";
    }

    private static int exitCode(VmExitReason reason) {
        return switch (reason) {
            case VmExitReason.PowerOff p -> ExitCodes.OK;
            case VmExitReason.Reset r -> ExitCodes.OK;
            case VmExitReason.TripleFault t -> fail(ExitCodes.TRIPLE_FAULT, "the guest triple-faulted (" + t.where()
                    + "); with --on-reset=restart the machine restarts instead");
            case VmExitReason.DebugExit d -> d.status();
            case VmExitReason.Stopped s -> s.why().equals("signal") ? ExitCodes.INTERRUPTED : ExitCodes.OK;
            case VmExitReason.Failure f -> fail(ExitCodes.VMM_FAILURE, "VMM failure: " + f.reason());
        };
    }

    static int fail(int code, String message) {
        System.out.flush();
        System.err.println("kvmj: " + message);
        return code;
    }
}
