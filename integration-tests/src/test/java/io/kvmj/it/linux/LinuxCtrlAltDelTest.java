package io.kvmj.it.linux;

import io.kvmj.it.Environment;
import io.kvmj.it.Processes;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Firecracker's {@code SendCtrlAltDel} on stock Linux: {@code kvmj ctl SOCKET ctrl-alt-del} types the keys on
 * kvmj's i8042, Linux's i8042 and atkbd drivers read them, and the kernel restarts the machine (its default for
 * Ctrl+Alt+Del while init has not claimed it), which ends kvmj with status 0 as every guest reset does. No mouse
 * port ({@code noaux}, {@code nomux}) and a keyboard Linux does not configure ({@code dumbkbd}), as Firecracker's
 * documentation gives.
 *
 * <p>Disabled: no Linux binds kvmj's i8042 yet. kvmj's DSDT lists no i8042 (PNP0303) and its FADT says there is
 * none, so Linux does not probe it; with {@code i8042.nopnp} it probes the ports but IRQ 1 is not mapped ("probe
 * of i8042 failed with error -22", seen in the nested machine); without ACPI the Debian kernel did not reach
 * user space within 4 minutes (one attempt, not looked into). Firecracker lists its i8042 in its DSDT; kvmj's
 * should too (IO 0x60 and 0x64, IRQ 1), after which this test runs as written.
 */
@Tag("linux")
@Disabled("kvmj's DSDT lists no i8042 (PNP0303) yet, so Linux never binds it: see the class comment")
class LinuxCtrlAltDelTest {
    private static final String I8042_ARGS = " i8042.noaux i8042.nomux i8042.dumbkbd";

    @TempDir
    Path dir;

    @Test
    void ctrlAltDelRestartsLinuxAndEndsTheVm() throws Exception {
        Environment.requireLinuxUserSpace();
        DebianKernel kernel = DebianKernel.fetch();
        // the job waits for atkbd's input device, so that the keys are typed to a keyboard Linux reads
        Initramfs initramfs = Initramfs.forJob(kernel, List.of(), """
                for i in $(seq 15); do
                    grep -qsE "AT (Translated|Raw) Set 2 keyboard" /sys/class/input/input*/name && break
                    sleep 1
                done
                echo "keyboard=$(cat /sys/class/input/input*/name | tr '\\n' ',')"
                dmesg | grep -iE "i8042|serio|atkbd|input:"
                echo "ready=yes"
                sleep 120
                echo "still_running=yes"
                """).endingWith(JobEnd.POWER_OFF);
        LinuxMachine machine = LinuxMachine.of(kernel.bzImage(), initramfs)
                .withCmdline(LinuxMachine.DEFAULT_CMDLINE + I8042_ARGS);
        Path config = Files.writeString(dir.resolve("vm.json"),
                FirecrackerConfig.json(machine, initramfs.build(), false));
        Path socket = dir.resolve("api.sock");
        Process kvmj = new ProcessBuilder(Environment.java(), "--enable-native-access=ALL-UNNAMED", "-jar",
                Environment.CLI_JAR.toString(), "run", config.toString(), "--api-sock", socket.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(dir.resolve("stderr").toFile()).start();
        try {
            ConsoleLog console = new ConsoleLog(kvmj.getInputStream());
            long deadline = System.nanoTime() + LinuxBoot.TIMEOUT.toNanos();
            assertTrue(console.awaitText("ready=yes", deadline), "the job starts\n" + report(console));
            assertTrue(console.text().contains("keyboard=AT "), "atkbd bound a keyboard\n" + report(console));

            Processes.Output ctl = Processes.capture(new ProcessBuilder(Environment.java(),
                    "--enable-native-access=ALL-UNNAMED", "-jar", Environment.CLI_JAR.toString(), "ctl",
                    socket.toString(), "ctrl-alt-del"), Duration.ofSeconds(120));
            assertEquals(0, ctl.status(), new String(ctl.stderr(), StandardCharsets.UTF_8));

            assertTrue(kvmj.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS),
                    "the guest restarts, which ends kvmj\n" + report(console));
            console.awaitEnd();
            assertTrue(console.text().contains("reboot: Restarting system"), report(console));
            assertFalse(console.text().contains("still_running=yes"), report(console));
            assertFalse(console.text().contains("reboot: Power down"), report(console));
            assertEquals(0, kvmj.exitValue(), report(console));
        } finally {
            kvmj.destroyForcibly().waitFor();
        }
    }

    private String report(ConsoleLog console) throws Exception {
        return "--- console ---\n" + console.text() + "\n--- stderr ---\n" + Files.readString(dir.resolve("stderr"));
    }
}
