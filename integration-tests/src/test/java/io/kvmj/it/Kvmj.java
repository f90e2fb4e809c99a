package io.kvmj.it;

import io.kvmj.vmm.Vm;
import io.kvmj.vmm.VmBuilder;
import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.VmSpec;
import io.kvmj.vmm.arch.x86.CpuTemplate;
import io.kvmj.vmm.devices.DeviceSetup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs test guests on kvmj: in this JVM through the Java API, or as a user would, through the CLI. */
final class Kvmj {
    static final Duration TIMEOUT = Duration.ofSeconds(120);

    private Kvmj() {
    }

    /** Boots {@code guest} in-process with a debug-exit device at 0xf4; returns the mapped exit status. */
    static GuestRun inProcess(Path guest, String cmdline, long memMib, int cpus) throws Exception {
        return inProcess(guest, cmdline, memMib, cpus, List.of(), false);
    }

    /** As above, with devices, and with ACPI tables or (acpi false) virtio devices on the command line. */
    static GuestRun inProcess(Path guest, String cmdline, long memMib, int cpus, List<DeviceSetup> devices,
                              boolean acpi) throws Exception {
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        VmSpec spec = new VmSpec(guest, null, cmdline, memMib << 20, cpus, false, 0xf4, serial, null, devices, acpi,
                CpuTemplate.NONE, false);
        try (Vm vm = VmBuilder.build(spec)) {
            vm.start();
            VmExitReason reason;
            try {
                reason = vm.awaitExit(TIMEOUT);
            } catch (TimeoutException e) {
                vm.requestStop(new VmExitReason.Stopped("test timeout"));
                reason = vm.awaitExit();
            }
            int status = switch (reason) {
                case VmExitReason.DebugExit d -> d.status();
                case VmExitReason.PowerOff p -> 0;
                case VmExitReason.Reset r -> 0;
                case VmExitReason.TripleFault t -> 6;
                case VmExitReason.Failure f -> 4;
                case VmExitReason.Stopped s -> 130;
            };
            return new GuestRun(status, serial.toString(StandardCharsets.UTF_8), reason.toString());
        }
    }

    /** Runs {@code kvmj ARGS...} as a separate process with no stdin, as CI would. */
    static GuestRun cli(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Environment.java(), "--enable-native-access=ALL-UNNAMED",
                "-jar", Environment.CLI_JAR.toString()));
        command.addAll(List.of(args));
        return Processes.run(command, TIMEOUT);
    }
}
