package io.kvmj.it.linux;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QemuMicrovmTest {
    private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
    private static final Initramfs UNUSED = new Initramfs(Path.of("busybox"), Path.of("modules"), "v", List.of(), "",
            JobEnd.POWER_OFF);

    @Test
    void microvmWithAcpiModernVirtioMmioAndTheMachineSize() {
        LinuxMachine machine = LinuxMachine.of(Path.of("/k/vmlinuz"), UNUSED).withCpus(2).withMemory(384);

        List<String> command = QemuMicrovm.command(QEMU, machine, Path.of("/i/initrd.gz"));

        assertEquals(QEMU.toString(), command.getFirst());
        assertPair(command, "-M", "microvm,acpi=on");
        assertPair(command, "-accel", "kvm");
        assertPair(command, "-cpu", "host");
        assertPair(command, "-m", "384M");
        assertPair(command, "-smp", "2,sockets=1,cores=2,threads=1");
        assertPair(command, "-global", "virtio-mmio.force-legacy=false");
        assertPair(command, "-kernel", "/k/vmlinuz");
        assertPair(command, "-initrd", "/i/initrd.gz");
        assertPair(command, "-append", LinuxMachine.DEFAULT_CMDLINE);
        assertPair(command, "-serial", "stdio");
        assertTrue(command.contains("-no-reboot"), "a reset ends QEMU, as it ends kvmj");
        assertTrue(!command.contains("-device"), "no devices asked for, none given");
    }

    @Test
    void smtGivesTwoThreadsPerCoreInOneSocketAsKvmjDoes() {
        LinuxMachine machine = LinuxMachine.of(Path.of("/k"), UNUSED).withCpus(6).withSmt(true);
        assertPair(QemuMicrovm.command(QEMU, machine, Path.of("/i")), "-smp", "6,sockets=1,cores=3,threads=2");
        assertPair(QemuMicrovm.command(QEMU, machine, Path.of("/i")), "-cpu", "host,+topoext");
        assertPair(QemuMicrovm.command(QEMU, machine.withCpus(1), Path.of("/i")), "-smp",
                "1,sockets=1,cores=1,threads=1");
    }

    @Test
    void rootDriveComesFirstAndIsNamedOnTheCommandLineAsKvmjDoes() {
        LinuxMachine machine = LinuxMachine.of(Path.of("/k"), UNUSED)
                .withDrive(Drive.of("data", Path.of("/d,1.img")).readOnlyDrive().withSerial("ser,x"))
                .withDrive(Drive.of("rootfs", Path.of("/root.ext4")).asRoot())
                .withEntropy();

        List<String> command = QemuMicrovm.command(QEMU, machine, Path.of("/i"));

        assertPair(command, "-append", LinuxMachine.DEFAULT_CMDLINE + " root=/dev/vda rw");
        List<String> devices = values(command, "-device");
        assertEquals(List.of("virtio-blk-device,drive=d0,serial=rootfs", "virtio-blk-device,drive=d1,serial=ser,,x",
                "virtio-rng-device"), devices);
        assertEquals(List.of("id=d0,file=/root.ext4,format=raw,if=none,discard=unmap",
                "id=d1,file=/d,,1.img,format=raw,if=none,readonly=on"), values(command, "-drive"));
    }

    @Test
    void givenRootParameterIsKept() {
        LinuxMachine machine = LinuxMachine.of(Path.of("/k"), UNUSED).withCmdline("console=ttyS0 root=/dev/vdb ro")
                .withDrive(Drive.of("rootfs", Path.of("/r")).asRoot().readOnlyDrive());
        assertEquals("console=ttyS0 root=/dev/vdb ro", QemuMicrovm.cmdline(machine));
        assertEquals("console=ttyS0 root=/dev/vda ro",
                QemuMicrovm.cmdline(machine.withCmdline("console=ttyS0")));
    }

    private static void assertPair(List<String> command, String option, String value) {
        assertTrue(values(command, option).contains(value), option + " " + value + " in " + command);
    }

    private static List<String> values(List<String> command, String option) {
        List<String> values = new java.util.ArrayList<>();
        for (int i = 0; i + 1 < command.size(); i++) {
            if (command.get(i).equals(option)) {
                values.add(command.get(i + 1));
            }
        }
        return Collections.unmodifiableList(values);
    }
}
