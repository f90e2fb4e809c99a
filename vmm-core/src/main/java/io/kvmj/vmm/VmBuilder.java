package io.kvmj.vmm;

import io.kvmj.kvm.CpuidEntry;
import io.kvmj.kvm.Kvm;
import io.kvmj.kvm.KvmException;
import io.kvmj.kvm.KvmUnavailableException;
import io.kvmj.kvm.MsrEntry;
import io.kvmj.kvm.VcpuFd;
import io.kvmj.kvm.VmFd;
import io.kvmj.vmm.arch.x86.BootLayout;
import io.kvmj.vmm.arch.x86.BootMsrs;
import io.kvmj.vmm.arch.x86.CpuidModifier;
import io.kvmj.vmm.arch.x86.MsrModifier;
import io.kvmj.vmm.arch.x86.CpuTopology;
import io.kvmj.vmm.arch.x86.CpuidTemplate;
import io.kvmj.vmm.arch.x86.HostCpuQuirks;
import io.kvmj.vmm.arch.x86.acpi.AcpiSpec;
import io.kvmj.vmm.arch.x86.acpi.AcpiTables;
import io.kvmj.vmm.arch.x86.acpi.MpTable;
import io.kvmj.vmm.arch.x86.acpi.PowerPorts;
import io.kvmj.vmm.devices.acpi.AcpiPowerDevice;
import io.kvmj.vmm.arch.x86.LocalApic;
import io.kvmj.vmm.boot.BootEntry;
import io.kvmj.vmm.boot.GuestLoader;
import io.kvmj.vmm.boot.bzimage.KernelFormat;
import io.kvmj.vmm.console.ConsoleInput;
import io.kvmj.vmm.devices.DeviceManager;
import io.kvmj.vmm.devices.legacy.DebugExit;
import io.kvmj.vmm.devices.legacy.I8042;
import io.kvmj.vmm.devices.legacy.ResetControl;
import io.kvmj.vmm.devices.legacy.ResetVector;
import io.kvmj.vmm.devices.legacy.Serial;
import io.kvmj.vmm.memory.GuestRamLayout;
import io.kvmj.vmm.memory.MmapGuestMemory;
import io.kvmj.vmm.vcpu.Vcpu;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/** Turns a {@link VmSpec} into a ready-to-start {@link Vm}: KVM setup, memory, kernel, devices, vCPUs. */
public final class VmBuilder {
    /** x87 control word and MXCSR as Linux expects them at boot (all exceptions masked). */
    private static final int FPU_CONTROL_WORD = 0x37f;
    private static final int MXCSR_DEFAULT = 0x1f80;

    private VmBuilder() {
    }

    public static Vm build(VmSpec spec) {
        // Before KVM: a file that is no kernel is the user's error, reported as such on any host.
        KernelFormat format = KernelFormat.detect(spec.kernel());
        List<AutoCloseable> built = new ArrayList<>();
        try {
            Kvm kvm = track(built, Kvm.open());
            VmFd vmFd = track(built, kvm.createVm());
            // Guest RAM first: once the irqchip exists, every memslot change waits for an SRCU grace period
            // (about 7 ms on a PVM host, most of a warm VM's creation time); before it, registering is ~0.1 ms.
            MmapGuestMemory memory = track(built, MmapGuestMemory.allocate(GuestRamLayout.ramRanges(spec.memoryBytes())));
            memory.registerWith(vmFd);
            vmFd.setTssAddress(BootLayout.KVM_TSS_ADDRESS);
            vmFd.setIdentityMapAddress(BootLayout.KVM_IDENTITY_MAP_ADDRESS);
            vmFd.createIrqchip();
            vmFd.createPit2();
            DeviceManager devices = track(built, new DeviceManager(vmFd));
            List<Vcpu> vcpus = new ArrayList<>();
            // Devices and vCPUs stop the VM through this indirection, since the Vm does not exist yet.
            VmHolder holder = new VmHolder();
            List<Runnable> startHooks = new ArrayList<>(attachLegacyDevices(spec, devices, holder));
            spec.devices().forEach(d -> d.attach(devices, memory));
            startHooks.add(devices::start);
            long rsdp = describeDevices(spec, devices, memory, holder);
            ResetVector.write(memory);
            // With ACPI the DSDT announces the virtio devices; listing them on the command line as well would
            // make Linux probe each twice (as QEMU's microvm does, the command line is for ACPI-less guests).
            List<String> cmdlineEntries = spec.acpi() ? List.of()
                    : devices.virtioSlots().stream().map(DeviceManager.MmioSlot::virtioCmdlineEntry).toList();
            BootEntry boot = GuestLoader.load(memory, spec.kernel(), format, spec.initrd(),
                    kernelCmdline(spec.cmdline(), cmdlineEntries), rsdp);

            List<CpuidEntry> supportedCpuid = kvm.supportedCpuid();
            // The host's limits win over a user template: a feature the host cannot run must stay hidden.
            List<CpuidModifier> cpuidModifiers = new ArrayList<>(spec.cpuTemplate().cpuid());
            cpuidModifiers.addAll(HostCpuQuirks.forThisHost());
            List<VcpuFd> vcpuFds = new ArrayList<>();
            for (int id = 0; id < spec.vcpus(); id++) {
                VcpuFd fd = track(built, vmFd.createVcpu(id));
                vcpuFds.add(fd);
                configureVcpu(fd, supportedCpuid, cpuidModifiers, spec.cpuTemplate().msrs(), spec.topology());
                if (id == 0) {
                    boot.applyTo(fd);
                }
                vcpus.add(new Vcpu(fd, devices.pio(), devices.mmio(), holder::requestStop));
            }
            Vm vm = new Vm(kvm, vmFd, memory, devices, List.copyOf(vcpuFds), List.copyOf(vcpus), startHooks);
            holder.vm = vm;
            return vm;
        } catch (RuntimeException | Error e) {
            for (int i = built.size() - 1; i >= 0; i--) {
                try {
                    built.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Routes stop requests to the Vm once it exists. */
    private static final class VmHolder {
        volatile Vm vm;

        void requestStop(VmExitReason reason) {
            vm.requestStop(reason);
        }
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> built, T resource) {
        built.add(resource);
        return resource;
    }

    /**
     * Writes the tables a guest reads to find CPUs, interrupt routing and devices: ACPI (with its power-off
     * and reset ports attached) or, when ACPI is off, an MP table. Returns the RSDP address, or 0.
     */
    private static long describeDevices(VmSpec spec, DeviceManager devices, MmapGuestMemory memory,
                                        VmHolder holder) {
        if (!spec.acpi()) {
            MpTable.write(memory, MpTable.DEFAULT_ADDRESS, spec.vcpus());
            return 0;
        }
        devices.attachPio(new AcpiPowerDevice(holder::requestStop), PowerPorts.DEFAULT_BASE, PowerPorts.PORT_COUNT);
        List<AcpiSpec.MmioDevice> virtio = devices.virtioSlots().stream()
                .map(s -> new AcpiSpec.MmioDevice(s.base(), s.size(), s.gsi())).toList();
        return AcpiTables.write(memory, AcpiTables.RSDP_ADDRESS, new AcpiSpec(spec.vcpus(), virtio, PowerPorts.DEFAULT));
    }

    /** The user's command line plus what the devices need the kernel to know. */
    static String kernelCmdline(String user, List<String> deviceEntries) {
        StringBuilder b = new StringBuilder(user.strip());
        for (String e : deviceEntries) {
            if (!b.isEmpty()) {
                b.append(' ');
            }
            b.append(e);
        }
        return b.toString();
    }

    /**
     * Attaches COM1, the i8042, the reset control port and the optional debug-exit port; returns what must start
     * with the VM.
     */
    private static List<Runnable> attachLegacyDevices(VmSpec spec, DeviceManager devices, VmHolder holder) {
        OutputStream out = spec.serialOutput() != null ? spec.serialOutput() : OutputStream.nullOutputStream();
        Serial serial = new Serial(out, devices.interruptLine(Serial.COM1_IRQ));
        devices.attachPio(serial, Serial.COM1_PORT, Serial.PORT_COUNT);
        devices.attachPio(new I8042(holder::requestStop), I8042.BASE_PORT, I8042.PORT_COUNT);
        devices.attachPio(new ResetControl(holder::requestStop), ResetControl.PORT, ResetControl.PORT_COUNT);
        if (spec.debugExitPort() != VmSpec.NO_DEBUG_EXIT) {
            devices.attachPio(new DebugExit(holder::requestStop), spec.debugExitPort(), DebugExit.PORT_COUNT);
        }
        if (spec.serialInput() == null) {
            return List.of();
        }
        return List.of(() -> ConsoleInput.start(spec.serialInput(), serial, holder::requestStop, spec.consoleEscapes()));
    }

    private static void configureVcpu(VcpuFd fd, List<CpuidEntry> supportedCpuid, List<CpuidModifier> modifiers,
                                      List<MsrModifier> msrModifiers, CpuTopology topology) {
        fd.setCpuid(CpuidTemplate.forVcpu(supportedCpuid, topology, fd.id(), modifiers));
        fd.setMsrs(BootMsrs.entries());
        for (MsrModifier m : msrModifiers) {
            try {
                fd.setMsrs(List.of(new MsrEntry(m.index(), m.applyTo(fd.msr(m.index())))));
            } catch (KvmUnavailableException | KvmException e) {
                throw new IllegalArgumentException(String.format("cpu-config: KVM refuses MSR 0x%x: %s", m.index(),
                        e.getMessage()));
            }
        }
        fd.setFpu(FPU_CONTROL_WORD, MXCSR_DEFAULT);
        fd.setLapic(LocalApic.withVirtualWire(fd.lapic()));
    }
}
