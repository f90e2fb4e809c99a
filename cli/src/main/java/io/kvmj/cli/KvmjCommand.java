package io.kvmj.cli;

import io.kvmj.kvm.Kvm;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kvmj} command: a microVM monitor for Linux KVM. */
@Command(name = "kvmj", mixinStandardHelpOptions = true, versionProvider = KvmjCommand.Version.class,
        description = "A microVM monitor in Java for Linux KVM.",
        subcommands = {RunCommand.class, ValidateCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:the guest reset or powered off the VM (or Ctrl-A x on the console)",
            "odd:the guest's isa-debug-exit status, (value << 1) | 1",
            "2:bad flags, bad config file, or a kernel/initrd that cannot be booted",
            "4:VMM failure (KVM unavailable or failing, emulation failure, triple fault)",
            "130:stopped by Ctrl-C/SIGINT"})
public final class KvmjCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: use 'run' or 'validate'");
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("run")) {
            // Two things dominate a cold start: picocli building its model (its classes are too old a class
            // file version for the AOT cache) and the first VM's native set-up; they overlap on two threads.
            Thread.ofPlatform().name("kvmj-warm-up").daemon(true).start(KvmjCommand::warmUp);
        }
        System.exit(commandLine().execute(args));
    }

    private static void warmUp() {
        try {
            Kvm.warmUp();
        } catch (RuntimeException | LinkageError e) {
            // Only a head start: the VM set-up repeats this work and reports the failure properly.
        }
    }

    static CommandLine commandLine() {
        return new CommandLine(new KvmjCommand()).setUsageHelpAutoWidth(true);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = KvmjCommand.class.getPackage().getImplementationVersion();
            return new String[] {"kvmj " + (v == null ? "(development build)" : v),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")"};
        }
    }
}
