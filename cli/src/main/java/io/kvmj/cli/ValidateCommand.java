package io.kvmj.cli;

import io.kvmj.config.ConfigException;
import io.kvmj.config.ConfigLoader;
import io.kvmj.config.VmConfig;
import io.kvmj.vmm.VmBuilder;
import io.kvmj.vmm.boot.BootException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code kvmj validate FILE}: checks a machine-config file without starting anything. */
@Command(name = "validate", mixinStandardHelpOptions = true, addMethodSubcommands = false,
        description = "Check a machine-config JSON file (keys, types, ranges, files it names, the kernel and "
                + "its command line).")
final class ValidateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the JSON config file")
    Path file;

    @Override
    public Integer call() {
        try {
            VmConfig config = ConfigLoader.load(file);
            // As run does before KVM: a bootable kernel, and a command line it takes.
            VmBuilder.inspectKernel(config.bootSource().kernelImagePath(),
                    RootDrive.bootArgs(config.bootSource().bootArgs(), config.drives()));
            System.out.println(file + ": valid");
            return ExitCodes.OK;
        } catch (ConfigException | BootException e) {
            System.err.println("kvmj: " + e.getMessage());
            return ExitCodes.USAGE;
        }
    }
}
