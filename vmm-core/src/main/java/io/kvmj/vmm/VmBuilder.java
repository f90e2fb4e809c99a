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
import io.kvmj.vmm.console.ConsoleInput;
import io.kvmj.vmm.devices.DeviceManager;
import io.kvmj.vmm.devices.DeviceSetup;
import io.kvmj.vmm.devices.MachineLayout;
import io.kvmj.vmm.devices.legacy.DebugExit;
import io.kvmj.vmm.devices.legacy.I8042;
import io.kvmj.vmm.devices.legacy.ResetControl;
import io.kvmj.vmm.devices.legacy.ResetVector;
import io.kvmj.vmm.devices.legacy.Serial;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRamLayout;
import io.kvmj.vmm.memory.MmapGuestMemory;
import io.kvmj.vmm.snapshot.MachineDescription;
import io.kvmj.vmm.snapshot.SnapshotException;
import io.kvmj.vmm.snapshot.SnapshotFile;
import io.kvmj.vmm.snapshot.SnapshotState;
import io.kvmj.vmm.vcpu.Vcpu;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Turns a {@link VmSpec} into a ready-to-start {@link Vm} (KVM setup, memory, kernel, devices, vCPUs), or a
 * snapshot into a paused one ({@link #restore}).
 */
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
            List<CpuidModifier> cpuidModifiers = new ArrayList<>(spec.cpuTemplate().cpuid());
            // The host's limits win over a user template: a feature the host cannot run must stay hidden.
            cpuidModifiers.addAll(HostCpuQuirks.forThisHost());
            return assemble(describe(spec), plan.layout(), memory, spec.serialOutput(), spec.serialInput(),
                    spec.devices(), built, (kvm, fd) -> {
                        configureVcpu(fd, kvm.supportedCpuid(), cpuidModifiers, spec.cpuTemplate().msrs(),
                                spec.topology());
                        if (fd.id() == 0) {
                            boot.applyTo(fd);
                        }
                    });
        } catch (RuntimeException | Error e) {
            closeAll(built, e);
            throw e;
        }
    }

    /**
     * Builds a VM from a snapshot ({@link Vm#snapshot}) and leaves it paused with the saved state in place:
     * {@link Vm#resume} runs the guest on from where it was. No kernel is loaded: guest RAM is the memory file,
     * mapped copy-on-write ({@link MmapGuestMemory#mapPrivate}), so pages are read as the guest touches them and
     * several VMs restored from one snapshot share the pages none of them wrote. The machine is the saved one;
     * {@code host} gives what lies outside the guest (console, device backends).
     *
     * @throws SnapshotException        a file is missing, damaged, of another format version or truncated; the
     *                                  caller's devices are not the saved ones; or the saved state does not fit
     *                                  this host's KVM; the message says which in one line
     * @throws KvmUnavailableException  no usable KVM
     * @throws InterruptedException     interrupted while a vCPU took its state
     */
    public static Vm restore(Path stateFile, Path memFile, RestoreHost host) throws SnapshotException,
            InterruptedException {
        SnapshotState saved = SnapshotFile.read(stateFile);
        MachineDescription machine = saved.machine();
        List<MachineLayout.MmioRequest> given = host.devices().stream().map(DeviceSetup::mmioRequest).toList();
        if (!given.equals(machine.devices())) {
            throw new SnapshotException("the snapshot's devices are " + machine.devices() + ", the configuration "
                    + "gives " + given);
        }
        if (saved.vcpus().size() != machine.vcpus()) {
            throw new SnapshotException(stateFile + ": " + saved.vcpus().size() + " vCPU states for "
                    + machine.vcpus() + " vCPUs");
        }
        for (int i = 0; i < saved.vcpus().size(); i++) {
            if (saved.vcpus().get(i).id() != i) {
                throw new SnapshotException(stateFile + ": vCPU state " + i + " is for vCPU "
                        + saved.vcpus().get(i).id());
            }
        }
        MachineLayout layout;
        try {
            layout = machine.layout();
        } catch (IllegalArgumentException e) {
            throw new SnapshotException(stateFile + ": the saved machine cannot be built: " + e.getMessage(), e);
        }
        List<AutoCloseable> built = new ArrayList<>();
        Vm vm;
        try {
            MmapGuestMemory memory = track(built, MmapGuestMemory.mapPrivate(
                    GuestRamLayout.ramRanges(machine.memoryBytes()), memFile));
            vm = assemble(machine, layout, memory, host.serialOutput(), host.serialInput(), host.devices(), built,
                    (kvm, fd) -> { });
        } catch (SnapshotException | RuntimeException | Error e) {
            closeAll(built, e);
            throw e;
        }
        try {
            vm.restore(saved);
            return vm;
        } catch (SnapshotException | InterruptedException | RuntimeException | Error e) {
            vm.close();
            throw e;
        }
    }

    /**
     * What a restore is given besides the snapshot: where the console goes and what it reads, and the devices
     * built afresh from the configuration the snapshot was taken with (same order, names and kinds).
     *
     * @param serialOutput as {@link VmSpec#serialOutput()}
     * @param serialInput  as {@link VmSpec#serialInput()}
     * @param devices      as {@link VmSpec#devices()}
     */
    public record RestoreHost(OutputStream serialOutput, ConsoleInput serialInput, List<DeviceSetup> devices) {
        public RestoreHost {
            devices = List.copyOf(devices);
        }
    }

    /** The part of {@code spec} a snapshot keeps to build the machine again. */
    private static MachineDescription describe(VmSpec spec) {
        return new MachineDescription(spec.memoryBytes(), spec.vcpus(), spec.smt(), spec.debugExitPort(), spec.acpi(),
                spec.trackDirtyPages(), spec.devices().stream().map(DeviceSetup::mmioRequest).toList());
    }

    /**
     * The KVM side of a VM with its guest RAM in place: the VM and its irqchip and PIT, the devices where
     * {@code layout} puts them, and the vCPUs, each set up by {@code vcpuSetup}. Resources go to {@code built}.
     */
    private static Vm assemble(MachineDescription machine, MachineLayout layout, MmapGuestMemory memory,
                               OutputStream serialOutput, ConsoleInput serialInput, List<DeviceSetup> deviceSetups,
                               List<AutoCloseable> built, BiConsumer<Kvm, VcpuFd> vcpuSetup) {
        Kvm kvm = track(built, Kvm.open());
        VmFd vmFd = track(built, kvm.createVm());
        // Guest RAM first: once the irqchip exists, every memslot change waits for an SRCU grace period
        // (about 7 ms on a PVM host, most of a warm VM's creation time); before it, registering is ~0.1 ms.
        memory.registerWith(vmFd, machine.trackDirtyPages());
        vmFd.setTssAddress(BootLayout.KVM_TSS_ADDRESS);
        vmFd.setIdentityMapAddress(BootLayout.KVM_IDENTITY_MAP_ADDRESS);
        vmFd.createIrqchip();
        vmFd.createPit2();
        DeviceManager devices = track(built, new DeviceManager(vmFd));
        List<Vcpu> vcpus = new ArrayList<>();
        // Devices and vCPUs stop the VM through this indirection, since the Vm does not exist yet.
        VmHolder holder = new VmHolder();
        List<Runnable> startHooks = new ArrayList<>(attachLegacyDevices(serialOutput, serialInput, layout, devices,
                holder));
        I8042 i8042 = new I8042(holder::requestStop, devices.interruptLine(I8042.KEYBOARD_IRQ));
        devices.attachPio(i8042, layout.i8042());
        if (layout.acpiPower() != null) {
            devices.attachPio(new AcpiPowerDevice(holder::requestStop), layout.acpiPower());
        }
        for (int i = 0; i < deviceSetups.size(); i++) {
            deviceSetups.get(i).attach(devices, devices.connect(layout.virtio().get(i)), memory);
        }
        startHooks.add(devices::start);

        List<VcpuFd> vcpuFds = new ArrayList<>();
        for (int id = 0; id < machine.vcpus(); id++) {
            VcpuFd fd = track(built, vmFd.createVcpu(id));
            vcpuFds.add(fd);
            vcpuSetup.accept(kvm, fd);
            vcpus.add(new Vcpu(fd, devices.pio(), devices.mmio(), holder::requestStop));
        }
        Vm vm = new Vm(kvm, vmFd, memory, machine, devices, i8042, List.copyOf(vcpuFds), List.copyOf(vcpus), startHooks);
        holder.vm = vm;
        return vm;
    }

    private static void closeAll(List<AutoCloseable> built, Throwable failure) {
        for (int i = built.size() - 1; i >= 0; i--) {
            try {
                built.get(i).close();
            } catch (Exception suppressed) {
                failure.addSuppressed(suppressed);
            }
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
    private static List<Runnable> attachLegacyDevices(OutputStream serialOutput, ConsoleInput serialInput,
                                                      MachineLayout layout, DeviceManager devices, VmHolder holder) {
        OutputStream out = serialOutput != null ? serialOutput : OutputStream.nullOutputStream();
        Serial serial = new Serial(out, devices.interruptLine(Serial.COM1_IRQ));
        devices.attachPio(serial, layout.com1());
        devices.attachPio(new ResetControl(holder::requestStop), layout.resetControl());
        if (layout.debugExit() != null) {
            devices.attachPio(new DebugExit(holder::requestStop), layout.debugExit());
        }
        if (serialInput == null) {
            return List.of();
        }
        return List.of(() -> serialInput.connect(serial, holder::requestStop));
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
