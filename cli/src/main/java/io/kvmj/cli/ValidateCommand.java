package io.kvmj.cli;

import io.kvmj.config.ConfigException;
import io.kvmj.config.ConfigLoader;
import io.kvmj.config.VmConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code kvmj validate FILE}: checks a machine-config file without starting anything: the file itself, then
 * everything {@code kvmj run} checks before it opens KVM ({@link VmLaunch#check}), with the same messages.
 */
@Command(name = "validate", mixinStandardHelpOptions = true, addMethodSubcommands = false,
        description = {"Check a machine-config JSON file: keys, types, ranges, the files it names, and the machine "
            + "it describes (kernel format, kernel/initrd/command line fitting in guest RAM, I/O ports, "
            + "interrupt lines), as 'run' does before it opens KVM; needs no KVM.",
            "Exit status: 0 valid; 2 invalid (one line on stderr)."})
final class ValidateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the JSON config file")
    Path file;

    @Override
    public Integer call() {
        // Warnings found on the way (a drive that is not whole sectors) in run's one-line format.
        LogSetup.configure(LogSetup.LogLevel.warn);
        try {
            VmConfig config = ConfigLoader.load(file);
            VmLaunch.check(config);
            System.out.println(file + ": valid");
            return ExitCodes.OK;
        } catch (ConfigException e) {
            return RunCommand.fail(ExitCodes.USAGE, e.getMessage());
        } catch (RuntimeException e) {
            return RunCommand.failBuilding(e);
        }
    }
}
