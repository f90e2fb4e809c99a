package io.kvmj.it.linux;

import io.kvmj.it.Environment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A line typed on the VMM's stdin reaches the guest's shell through the serial console (kvmj's config has
 * {@code "serial": {"input": "stdin"}}): the job reads it with {@code read} and prints it back.
 */
@Tag("linux")
class LinuxConsoleInputTest {
    private static final String READY = "kvmj-test: ready for a line";

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Vmm.class)
    void lineTypedOnStdinIsReadByTheGuestShell(Vmm vmm) throws Exception {
        Environment.requireLinuxUserSpace();
        DebianKernel kernel = DebianKernel.fetch();
        LinuxMachine machine = LinuxMachine.of(kernel.bzImage(), Initramfs.forJob(kernel, List.of(), """
                echo "%s"
                read -r line
                echo "got=[$line]"
                """.formatted(READY)));
        // the marker's line end too: typed text echoed before it would land inside the marker's line
        ConsoleInput line = new ConsoleInput(READY + "\n", "typed on the host 42\n");
        LinuxRun run = LinuxBoot.run(vmm, machine, line, LinuxBoot.TIMEOUT).assertJobPassedAndPoweredOff();
        assertEquals("[typed on the host 42]", run.value("got"), run.toString());
    }
}
