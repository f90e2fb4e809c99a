package io.kvmj.cli;

import io.kvmj.config.SerialOutput;
import io.kvmj.config.VmConfig;
import io.kvmj.sys.Libc;
import io.kvmj.vmm.VmBuilder;
import io.kvmj.vmm.VmSpec;
import io.kvmj.vmm.console.ConsoleInput;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** Maps a validated config to the VMM's {@link VmSpec}, opening the console streams it names. */
record VmLaunch(VmSpec spec, OutputStream openedFile) implements AutoCloseable {
    private static final int STDIN = 0;

    static VmLaunch of(VmConfig config) {
        OutputStream file = null;
        OutputStream serialOut = switch (config.serial().output()) {
            case SerialOutput.Stdout s -> new FileOutputStream(FileDescriptor.out); // unbuffered: raw bytes as they come
            case SerialOutput.None n -> null;
            case SerialOutput.ToFile f -> file = open(f);
        };
        boolean stdin = config.serial().stdinInput();
        VmSpec spec = spec(config, serialOut,
                stdin ? new ConsoleInput(new FileInputStream(FileDescriptor.in), Libc.isatty(STDIN)) : null);
        return new VmLaunch(spec, file);
    }

    /**
     * Checks the machine {@code config} describes, with no console attached, as far as can be without KVM: what
     * {@code kvmj validate} and the API's {@code InstanceStart} check ({@link VmBuilder#check}).
     */
    static void check(VmConfig config) {
        VmBuilder.check(spec(config, null, null));
    }

    private static VmSpec spec(VmConfig config, OutputStream serialOut, ConsoleInput serialIn) {
        int debugPort = config.debugExit() == null ? VmSpec.NO_DEBUG_EXIT : config.debugExit().iobase();
        return new VmSpec(config.bootSource().kernelImagePath(), config.bootSource().initrdPath(),
                RootDrive.bootArgs(config.bootSource().bootArgs(), config.drives()),
                config.machine().memSizeMib() << 20, config.machine().vcpuCount(), config.machine().smt(),
                debugPort, serialOut, serialIn, VirtioSetups.of(config), config.acpi(),
                CpuTemplates.of(config.cpuConfig()), config.machine().trackDirtyPages());
    }

    private static OutputStream open(SerialOutput.ToFile f) {
        try {
            return new FileOutputStream(f.path().toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("serial output " + f.path() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (openedFile != null) {
            try {
                openedFile.close();
            } catch (IOException ignored) {
                // the VM is over; nothing more is written to it
            }
        }
    }
}
