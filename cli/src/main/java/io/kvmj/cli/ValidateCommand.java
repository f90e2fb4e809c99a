package io.kvmj.cli;

import io.kvmj.config.ConfigException;
import io.kvmj.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code kvmj validate FILE}: checks a machine-config file without starting anything. */
@Command(name = "validate", mixinStandardHelpOptions = true, addMethodSubcommands = false,
        description = "Check a machine-config JSON file (keys, types, ranges, files it names).")
final class ValidateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the JSON config file")
    Path file;

    @Override
    public Integer call() {
        try {
            ConfigLoader.load(file);
            System.out.println(file + ": valid");
            return ExitCodes.OK;
        } catch (ConfigException e) {
            System.err.println("kvmj: " + e.getMessage());
            return ExitCodes.USAGE;
        }
    }
}
