package io.kvmj.cli;

import io.kvmj.config.ConfigLoader;
import io.kvmj.kvm.Kvm;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.logging.LogManager;

/** The {@code kvmj} command: a microVM monitor for Linux KVM. */
@Command(name = "kvmj", mixinStandardHelpOptions = true, addMethodSubcommands = false,
        versionProvider = KvmjCommand.Version.class,
        description = "A microVM monitor in Java for Linux KVM.",
        subcommands = {RunCommand.class, ValidateCommand.class, CtlCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:the guest reset or powered off the VM (or Ctrl-A x on the console)",
            "odd:the guest's isa-debug-exit status, (value << 1) | 1",
            "2:bad flags, bad config file, a kernel/initrd that cannot be booted, or a machine that cannot be built",
            "4:VMM failure (KVM unavailable or failing, emulation failure)",
            "6:the guest triple-faulted (a reset; with --on-reset=restart the machine restarts)",
            "8:ctl: the API refused the request",
            "10:ctl: the API socket cannot be reached",
            "130:stopped by Ctrl-C/SIGINT"})
public final class KvmjCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: use 'run', 'validate' or 'ctl'");
    }

    public static void main(String[] args) {
        // picocli registers converters for java.sql and java.time types by reflection for every command, and
        // no kvmj option has such a type; its documented switch skips them (start-up time).
        System.setProperty("picocli.converters.excludes", "java\\.sql\\..*,java\\.time\\..*");
        if (args.length > 0 && args[0].equals("run")) {
            // A cold start is mostly one-time work: picocli building its model by reflection on this thread,
            // the native layer's set-up and (for a config file) the JSON reader's on two others. The flags path
            // never reads JSON.
            warmUp("kvmj-warm-up-native", () -> {
                LogManager.getLogManager(); // reads the JDK's logging configuration; LogSetup then replaces it
                Kvm.warmUp();
            });
            if (!List.of(args).contains("--kernel")) {
                warmUp("kvmj-warm-up-config", ConfigLoader::warmUp);
            }
        }
        System.exit(commandLine().execute(args));
    }

    private static void warmUp(String name, Runnable work) {
        Thread.ofPlatform().name(name).daemon(true).start(() -> {
            try {
                work.run();
            } catch (RuntimeException | LinkageError e) {
                // Only a head start: the VM set-up repeats this work and reports the failure properly.
            }
        });
    }

    static CommandLine commandLine() {
        return new CommandLine(new KvmjCommand()).setUsageHelpAutoWidth(true)
                .setParameterExceptionHandler(KvmjCommand::badFlags);
    }

    /** A bad flag is one line on stderr, as every other user error, pointing at the command's help. */
    private static int badFlags(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        System.err.println("kvmj: " + e.getMessage() + " (see '" + command.getCommandSpec().qualifiedName()
                + " --help')");
        return ExitCodes.USAGE;
    }

    /** kvmj's version, from its jar's manifest. */
    static String version() {
        String v = KvmjCommand.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kvmj " + version(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")"};
        }
    }
}
