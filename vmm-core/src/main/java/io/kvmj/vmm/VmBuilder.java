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
import io.kvmj.vmm.boot.BootException;
import io.kvmj.vmm.boot.GuestLoader;
import io.kvmj.vmm.boot.KernelImage;
import io.kvmj.vmm.devices.DeviceManager;
import io.kvmj.vmm.devices.MachineLayout;
import io.kvmj.vmm.devices.legacy.DebugExit;
import io.kvmj.vmm.devices.legacy.I8042;
import io.kvmj.vmm.devices.legacy.ResetControl;
import io.kvmj.vmm.devices.legacy.ResetVector;
import io.kvmj.vmm.devices.legacy.Serial;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRamLayout;
import io.kvmj.vmm.memory.MmapGuestMemory;
import io.kvmj.vmm.vcpu.Vcpu;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Turns a {@link VmSpec} into a ready-to-start {@link Vm}: KVM setup, memory, kernel, devices, vCPUs. */
public final class VmBuilder {
    /** x87 control word and MXCSR as Linux expects them at boot (all exceptions masked). */
    private static final int FPU_CONTROL_WORD = 0x37f;
    private static final int MXCSR_DEFAULT = 0x1f80;

    private VmBuilder() {
    }

    /**
     * Builds the VM. Everything that needs no KVM comes first (the {@link MachinePlan}, guest memory, the kernel
     * and its boot data), so a machine that cannot be built is refused as such on any host.
     *
     * @throws BootException            the kernel, initrd or command line cannot be booted
     * @throws IllegalArgumentException the machine cannot be built (devices that do not fit, bad files)
     * @throws KvmUnavailableException  no usable KVM
     */
    public static Vm build(VmSpec spec) {
        MachinePlan plan = MachinePlan.of(spec);
        List<AutoCloseable> built = new ArrayList<>();
        try {
            MmapGuestMemory memory = track(built, MmapGuestMemory.allocate(GuestRamLayout.ramRanges(spec.memoryBytes())));
            BootEntry boot = loadGuest(spec, plan, memory);
            Kvm kvm = track(built, Kvm.open());
            VmFd vmFd = track(built, kvm.createVm());
            // Guest RAM first: once the irqchip exists, every memslot change waits for an SRCU grace period
            // (about 7 ms on a PVM host, most of a warm VM's creation time); before it, registering is ~0.1 ms.
            memory.registerWith(vmFd, spec.trackDirtyPages());
            vmFd.setTssAddress(BootLayout.KVM_TSS_ADDRESS);
            vmFd.setIdentityMapAddress(BootLayout.KVM_IDENTITY_MAP_ADDRESS);
            vmFd.createIrqchip();
            vmFd.createPit2();
            DeviceManager devices = track(built, new DeviceManager(vmFd));
            List<Vcpu> vcpus = new ArrayList<>();
            // Devices and vCPUs stop the VM through this indirection, since the Vm does not exist yet.
            VmHolder holder = new VmHolder();
            MachineLayout layout = plan.layout();
            List<Runnable> startHooks = new ArrayList<>(attachLegacyDevices(spec, layout, devices, holder));
            I8042 i8042 = new I8042(holder::requestStop, devices.interruptLine(I8042.KEYBOARD_IRQ));
            devices.attachPio(i8042, layout.i8042());
            if (layout.acpiPower() != null) {
                devices.attachPio(new AcpiPowerDevice(holder::requestStop), layout.acpiPower());
            }
            for (int i = 0; i < spec.devices().size(); i++) {
                spec.devices().get(i).attach(devices, devices.connect(layout.virtio().get(i)), memory);
            }
            startHooks.add(devices::start);

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
            Vm vm = new Vm(kvm, vmFd, memory, spec.trackDirtyPages(), devices, i8042, List.copyOf(vcpuFds),
                    List.copyOf(vcpus), startHooks);
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

    /**
     * Runs every check {@link #build} makes before it opens KVM: plans the machine and loads the kernel, initrd
     * and boot data into a throwaway guest memory. What {@code kvmj validate} runs.
     *
     * @throws BootException            as {@link #build} does
     * @throws IllegalArgumentException as {@link #build} does
     */
    public static void check(VmSpec spec) {
        MachinePlan plan = MachinePlan.of(spec);
        try (MmapGuestMemory memory = MmapGuestMemory.allocate(GuestRamLayout.ramRanges(spec.memoryBytes()))) {
            loadGuest(spec, plan, memory);
        }
    }

    /** Writes what the guest finds in memory at boot: device tables, the reset vector, kernel, initrd, cmdline. */
    private static BootEntry loadGuest(VmSpec spec, MachinePlan plan, GuestMemory memory) {
        long rsdp = describeDevices(spec, plan.layout(), memory);
        ResetVector.write(memory);
        return GuestLoader.load(memory, plan.kernel(), spec.initrd(), plan.cmdline(), rsdp);
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
     * Writes the tables a guest reads to find CPUs, interrupt routing and devices: ACPI (pointing at the power
     * ports) or, when ACPI is off, an MP table. Returns the RSDP address, or 0.
     */
    private static long describeDevices(VmSpec spec, MachineLayout layout, GuestMemory memory) {
        if (!spec.acpi()) {
            MpTable.write(memory, MpTable.DEFAULT_ADDRESS, spec.vcpus());
            return 0;
        }
        List<AcpiSpec.MmioDevice> virtio = layout.virtio().stream()
                .map(w -> new AcpiSpec.MmioDevice(w.base(), w.size(), w.gsi())).toList();
        return AcpiTables.write(memory, AcpiTables.RSDP_ADDRESS,
                new AcpiSpec(spec.vcpus(), virtio, new PowerPorts(layout.acpiPower().base())));
    }

    /**
     * Attaches COM1, the reset control port and the optional debug-exit port; returns what must start
     * with the VM.
     */
    private static List<Runnable> attachLegacyDevices(VmSpec spec, MachineLayout layout, DeviceManager devices,
                                                      VmHolder holder) {
        OutputStream out = spec.serialOutput() != null ? spec.serialOutput() : OutputStream.nullOutputStream();
        Serial serial = new Serial(out, devices.interruptLine(Serial.COM1_IRQ));
        devices.attachPio(serial, layout.com1());
        devices.attachPio(new ResetControl(holder::requestStop), layout.resetControl());
        if (layout.debugExit() != null) {
            devices.attachPio(new DebugExit(holder::requestStop), layout.debugExit());
        }
        if (spec.serialInput() == null) {
            return List.of();
        }
        return List.of(() -> spec.serialInput().connect(serial, holder::requestStop));
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
