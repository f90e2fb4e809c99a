package io.kvmj.kvm;

import io.kvmj.kvm.gen.libc.LibcHeaders;
import io.kvmj.kvm.gen.linux.KvmHeaders;
import io.kvmj.kvm.gen.linux.kvm_cpuid2;
import io.kvmj.kvm.gen.linux.kvm_cpuid_entry2;
import io.kvmj.kvm.gen.linux.kvm_fpu;
import io.kvmj.kvm.gen.linux.kvm_irqfd;
import io.kvmj.kvm.gen.linux.kvm_lapic_state;
import io.kvmj.kvm.gen.linux.kvm_msr_list;
import io.kvmj.kvm.gen.linux.kvm_msrs;
import io.kvmj.kvm.gen.linux.kvm_pit_config;
import io.kvmj.kvm.gen.linux.kvm_regs;
import io.kvmj.kvm.gen.linux.kvm_run;
import io.kvmj.kvm.gen.linux.kvm_sregs;
import io.kvmj.kvm.gen.linux.kvm_userspace_memory_region;
import io.kvmj.sys.Libc;
import io.kvmj.sys.SyscallException;
import io.kvmj.sys.ThreadKicker;

import java.lang.foreign.Arena;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** The /dev/kvm system fd: capability checks, supported CPUID, and VM creation. */
public final class Kvm implements AutoCloseable {
    public static final String DEVICE = "/dev/kvm";
    /** The only KVM API version there has ever been. */
    private static final int API_VERSION = 12;
    /** Enough for every leaf a current CPU reports (KVM's own limit is 256). */
    private static final int MAX_CPUID_ENTRIES = 256;
    /** A few hundred on current hosts; KVM says how many when it is more. */
    private static final int MSR_INDEX_LIST_GUESS = 512;

    private static volatile List<CpuidEntry> supportedCpuid;

    private final int fd;

    private Kvm(int fd) {
        this.fd = fd;
    }

    /**
     * Does the first VM's one-time work ahead of time: links the system call downcall, installs the vCPU
     * kick signal, and initializes the generated struct layouts that VM setup uses (each costs milliseconds
     * the first time). A launcher runs this on another thread while it parses its arguments. Idempotent,
     * callable from any thread.
     */
    public static void warmUp() {
        Libc.prelink();
        ThreadKicker.install();
        for (GroupLayout layout : new GroupLayout[] {kvm_userspace_memory_region.layout(), kvm_run.layout(),
            kvm_regs.layout(), kvm_sregs.layout(), kvm_fpu.layout(), kvm_cpuid2.layout(), kvm_msrs.layout(),
            kvm_lapic_state.layout(), kvm_pit_config.layout(), kvm_irqfd.layout()}) {
            Objects.requireNonNull(layout);
        }
    }

    /** Opens /dev/kvm, explaining in one line what is wrong when it cannot be used. */
    public static Kvm open() {
        int fd;
        try {
            fd = Libc.open(DEVICE, LibcHeaders.O_RDWR() | LibcHeaders.O_CLOEXEC(), 0);
        } catch (SyscallException e) {
            throw new KvmUnavailableException(explainOpenFailure(e.errno()));
        }
        Kvm kvm = new Kvm(fd);
        try {
            int version = Ioctl.call(fd, KvmHeaders.KVM_GET_API_VERSION(), 0, "KVM_GET_API_VERSION");
            if (version != API_VERSION) {
                throw new KvmUnavailableException(DEVICE + " speaks KVM API version " + version + ", kvmj needs "
                        + API_VERSION);
            }
            kvm.require(KvmHeaders.KVM_CAP_IRQCHIP(), "KVM_CAP_IRQCHIP");
            kvm.require(KvmHeaders.KVM_CAP_USER_MEMORY(), "KVM_CAP_USER_MEMORY");
            kvm.require(KvmHeaders.KVM_CAP_IMMEDIATE_EXIT(), "KVM_CAP_IMMEDIATE_EXIT");
            kvm.require(KvmHeaders.KVM_CAP_IRQFD(), "KVM_CAP_IRQFD");
            kvm.require(KvmHeaders.KVM_CAP_PIT2(), "KVM_CAP_PIT2");
            kvm.require(KvmHeaders.KVM_CAP_EXT_CPUID(), "KVM_CAP_EXT_CPUID");
            return kvm;
        } catch (RuntimeException e) {
            kvm.close();
            throw e;
        }
    }

    static String explainOpenFailure(int errno) {
        if (errno == LibcHeaders.ENOENT()) {
            return DEVICE + " does not exist: this host has no KVM (enable virtualization in the firmware, "
                    + "load kvm_intel or kvm_amd, or use a VM type with nested virtualization)";
        }
        if (errno == LibcHeaders.EACCES() || errno == LibcHeaders.EPERM()) {
            return "no permission to open " + DEVICE + ": run as root or add the user to the 'kvm' group";
        }
        return "cannot open " + DEVICE + ": " + io.kvmj.sys.Errno.name(errno) + " ("
                + io.kvmj.sys.Errno.describe(errno) + ")";
    }

    private void require(int capability, String name) {
        if (checkExtension(capability) <= 0) {
            throw new KvmUnavailableException("this host's KVM lacks " + name + ", which kvmj needs");
        }
    }

    /** KVM_CHECK_EXTENSION: 0 when unsupported, otherwise a capability-specific positive value. */
    public int checkExtension(int capability) {
        return Ioctl.call(fd, KvmHeaders.KVM_CHECK_EXTENSION(), capability, "KVM_CHECK_EXTENSION");
    }

    public int vcpuMmapSize() {
        return Ioctl.call(fd, KvmHeaders.KVM_GET_VCPU_MMAP_SIZE(), 0, "KVM_GET_VCPU_MMAP_SIZE");
    }

    /**
     * The CPUID leaves this host's KVM can offer a guest (KVM_GET_SUPPORTED_CPUID). They are fixed while the KVM
     * module is loaded and asking costs about 0.4 ms, a tenth of a warm VM's creation: asked once per process.
     */
    public List<CpuidEntry> supportedCpuid() {
        List<CpuidEntry> entries = supportedCpuid;
        if (entries == null) {
            entries = readSupportedCpuid();
            supportedCpuid = entries;
        }
        return entries;
    }

    private List<CpuidEntry> readSupportedCpuid() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpuid = arena.allocate(kvm_cpuid2.sizeof() + MAX_CPUID_ENTRIES * kvm_cpuid_entry2.sizeof());
            kvm_cpuid2.nent(cpuid, MAX_CPUID_ENTRIES);
            Ioctl.call(fd, KvmHeaders.KVM_GET_SUPPORTED_CPUID(), cpuid, "KVM_GET_SUPPORTED_CPUID");
            return readCpuidEntries(cpuid);
        }
    }

    static List<CpuidEntry> readCpuidEntries(MemorySegment cpuid) {
        int n = kvm_cpuid2.nent(cpuid);
        List<CpuidEntry> entries = new ArrayList<>(n);
        MemorySegment array = cpuid.asSlice(kvm_cpuid2.sizeof());
        for (int i = 0; i < n; i++) {
            MemorySegment e = kvm_cpuid_entry2.asSlice(array, i);
            entries.add(new CpuidEntry(kvm_cpuid_entry2.function(e), kvm_cpuid_entry2.index(e),
                    kvm_cpuid_entry2.flags(e), kvm_cpuid_entry2.eax(e), kvm_cpuid_entry2.ebx(e),
                    kvm_cpuid_entry2.ecx(e), kvm_cpuid_entry2.edx(e)));
        }
        return List.copyOf(entries);
    }

    /**
     * The MSRs this host's KVM lets a VMM read and write for a guest (KVM_GET_MSR_INDEX_LIST): the ones it
     * saves for migration and the ones it emulates.
     */
    public List<Integer> msrIndexList() {
        int capacity = MSR_INDEX_LIST_GUESS;
        while (true) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment list = arena.allocate(kvm_msr_list.sizeof() + (long) capacity * Integer.BYTES, 4);
                kvm_msr_list.nmsrs(list, capacity);
                int r = Libc.ioctlRaw(fd, KvmHeaders.KVM_GET_MSR_INDEX_LIST(), list.address());
                if (r == -LibcHeaders.E2BIG()) {
                    capacity = kvm_msr_list.nmsrs(list); // KVM wrote how many there are
                    continue;
                }
                if (r < 0) {
                    throw new KvmException("KVM_GET_MSR_INDEX_LIST", -r);
                }
                int n = kvm_msr_list.nmsrs(list);
                int[] indices = list.asSlice(kvm_msr_list.sizeof(), (long) n * Integer.BYTES)
                        .toArray(ValueLayout.JAVA_INT);
                return Arrays.stream(indices).boxed().toList();
            }
        }
    }

    public VmFd createVm() {
        int vmFd = Ioctl.call(fd, KvmHeaders.KVM_CREATE_VM(), 0, "KVM_CREATE_VM");
        return new VmFd(this, vmFd);
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
