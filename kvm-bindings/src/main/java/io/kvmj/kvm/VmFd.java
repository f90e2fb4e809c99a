package io.kvmj.kvm;

import io.kvmj.kvm.gen.libc.LibcHeaders;
import io.kvmj.kvm.gen.linux.KvmHeaders;
import io.kvmj.kvm.gen.linux.kvm_clock_data;
import io.kvmj.kvm.gen.linux.kvm_dirty_log;
import io.kvmj.kvm.gen.linux.kvm_ioeventfd;
import io.kvmj.kvm.gen.linux.kvm_irqchip;
import io.kvmj.kvm.gen.linux.kvm_irqfd;
import io.kvmj.kvm.gen.linux.kvm_pit_config;
import io.kvmj.kvm.gen.linux.kvm_userspace_memory_region;
import io.kvmj.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.BitSet;

/** A KVM virtual machine fd: memory slots, the in-kernel interrupt controllers, irqfds, and vCPU creation. */
public final class VmFd implements AutoCloseable {
    private final Kvm kvm;
    private final int fd;
    private int xsaveSize = -1; // asked once, on the first vCPU's creation

    VmFd(Kvm kvm, int fd) {
        this.kvm = kvm;
        this.fd = fd;
    }

    public int checkExtension(int capability) {
        return Ioctl.call(fd, KvmHeaders.KVM_CHECK_EXTENSION(), capability, "KVM_CHECK_EXTENSION");
    }

    /** Maps host memory as guest RAM at {@code guestAddress} in memory slot {@code slot}. */
    public void setUserMemoryRegion(int slot, long guestAddress, MemorySegment host, boolean logDirtyPages) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = kvm_userspace_memory_region.allocate(arena);
            kvm_userspace_memory_region.slot(region, slot);
            kvm_userspace_memory_region.flags(region, logDirtyPages ? (int) KvmHeaders.KVM_MEM_LOG_DIRTY_PAGES() : 0);
            kvm_userspace_memory_region.guest_phys_addr(region, guestAddress);
            kvm_userspace_memory_region.memory_size(region, host.byteSize());
            kvm_userspace_memory_region.userspace_addr(region, host.address());
            Ioctl.call(fd, KvmHeaders.KVM_SET_USER_MEMORY_REGION(), region, "KVM_SET_USER_MEMORY_REGION");
        }
    }

    /**
     * KVM_GET_DIRTY_LOG: the pages of memory slot {@code slot} the guest wrote since the previous call (or since
     * the slot was registered), bit i for the slot's page i of 4 KiB; the log is cleared as it is read. The slot
     * must have been registered with {@code logDirtyPages}, else KVM refuses (ENOENT).
     *
     * @param pages the slot's size in 4 KiB pages
     */
    public BitSet dirtyLog(int slot, long pages) {
        try (Arena arena = Arena.ofConfined()) {
            // KVM writes one bit per page into an array of 64-bit words.
            MemorySegment bitmap = arena.allocate(ValueLayout.JAVA_LONG, (pages + 63) / 64);
            MemorySegment log = kvm_dirty_log.allocate(arena);
            kvm_dirty_log.slot(log, slot);
            kvm_dirty_log.dirty_bitmap(log, bitmap);
            Ioctl.call(fd, KvmHeaders.KVM_GET_DIRTY_LOG(), log, "KVM_GET_DIRTY_LOG");
            return BitSet.valueOf(bitmap.toArray(ValueLayout.JAVA_LONG));
        }
    }

    /** Three pages of guest-physical address space KVM uses for its real-mode TSS on Intel. */
    public void setTssAddress(long address) {
        Ioctl.call(fd, KvmHeaders.KVM_SET_TSS_ADDR(), address, "KVM_SET_TSS_ADDR");
    }

    public void setIdentityMapAddress(long address) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocateFrom(ValueLayout.JAVA_LONG, address);
            Ioctl.call(fd, KvmHeaders.KVM_SET_IDENTITY_MAP_ADDR(), value, "KVM_SET_IDENTITY_MAP_ADDR");
        }
    }

    /** The in-kernel PIC pair, IOAPIC and per-vCPU local APICs. */
    public void createIrqchip() {
        Ioctl.call(fd, KvmHeaders.KVM_CREATE_IRQCHIP(), 0, "KVM_CREATE_IRQCHIP");
    }

    /** The in-kernel i8254 timer, with a dummy speaker port so port 0x61 works. */
    public void createPit2() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment config = kvm_pit_config.allocate(arena);
            kvm_pit_config.flags(config, KvmHeaders.KVM_PIT_SPEAKER_DUMMY());
            Ioctl.call(fd, KvmHeaders.KVM_CREATE_PIT2(), config, "KVM_CREATE_PIT2");
        }
    }

    /** Makes a write to {@code eventFd} inject an edge on interrupt line {@code gsi}, without leaving the kernel. */
    public void registerIrqfd(int eventFd, int gsi) {
        irqfd(eventFd, gsi, 0, "KVM_IRQFD");
    }


    private void irqfd(int eventFd, int gsi, int flags, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment irqfd = kvm_irqfd.allocate(arena);
            kvm_irqfd.fd(irqfd, eventFd);
            kvm_irqfd.gsi(irqfd, gsi);
            kvm_irqfd.flags(irqfd, flags);
            Ioctl.call(fd, KvmHeaders.KVM_IRQFD(), irqfd, name);
        }
    }

    /**
     * Makes a {@code length}-byte guest write of {@code datamatch} to MMIO address {@code address} signal
     * {@code eventFd} inside KVM, with no exit to user space (virtio queue notifications).
     */
    public void registerIoeventfd(int eventFd, long address, int length, long datamatch) {
        ioeventfd(eventFd, address, length, datamatch, KvmHeaders.KVM_IOEVENTFD_FLAG_DATAMATCH(), "KVM_IOEVENTFD");
    }


    private void ioeventfd(int eventFd, long address, int length, long datamatch, int flags, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = kvm_ioeventfd.allocate(arena);
            kvm_ioeventfd.datamatch(s, datamatch);
            kvm_ioeventfd.addr(s, address);
            kvm_ioeventfd.len(s, length);
            kvm_ioeventfd.fd(s, eventFd);
            kvm_ioeventfd.flags(s, flags);
            Ioctl.call(fd, KvmHeaders.KVM_IOEVENTFD(), s, name);
        }
    }

    /** The vCPUs' XSAVE area size in bytes from KVM_CAP_XSAVE2 (Linux 5.17 and later), or 0 on older KVM. */
    private synchronized int xsaveSize() {
        if (xsaveSize < 0) {
            xsaveSize = checkExtension(KvmUapi.KVM_CAP_XSAVE2);
        }
        return xsaveSize;
    }

    /**
     * One in-kernel interrupt controller's state (KVM_GET_IRQCHIP).
     *
     * @param chipId {@link Irqchip#PIC_MASTER}, {@link Irqchip#PIC_SLAVE} or {@link Irqchip#IOAPIC}
     */
    public Irqchip irqchip(int chipId) {
        byte[] s = StructBytes.get(fd, KvmHeaders.KVM_GET_IRQCHIP(), kvm_irqchip.sizeof(),
                c -> kvm_irqchip.chip_id(c, chipId), "KVM_GET_IRQCHIP");
        int chip = (int) kvm_irqchip.chip$offset();
        return new Irqchip(chipId, Arrays.copyOfRange(s, chip, chip + Irqchip.CHIP_SIZE));
    }

    public void setIrqchip(Irqchip chip) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = kvm_irqchip.allocate(arena);
            kvm_irqchip.chip_id(s, chip.chipId());
            kvm_irqchip.chip(s).copyFrom(MemorySegment.ofArray(chip.chip()));
            Ioctl.call(fd, KvmHeaders.KVM_SET_IRQCHIP(), s, "KVM_SET_IRQCHIP");
        }
    }

    /** The in-kernel i8254's state (KVM_GET_PIT2). */
    public PitState pit2() {
        return new PitState(StructBytes.get(fd, KvmHeaders.KVM_GET_PIT2(), PitState.SIZE, "KVM_GET_PIT2"));
    }

    public void setPit2(PitState pit) {
        StructBytes.set(fd, KvmHeaders.KVM_SET_PIT2(), pit.struct(), "KVM_SET_PIT2");
    }

    /** The guest's kvmclock now (KVM_GET_CLOCK). */
    public ClockData clock() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = kvm_clock_data.allocate(arena);
            Ioctl.call(fd, KvmHeaders.KVM_GET_CLOCK(), s, "KVM_GET_CLOCK");
            return new ClockData(kvm_clock_data.clock(s), kvm_clock_data.flags(s));
        }
    }

    /**
     * Sets the guest's kvmclock (KVM_SET_CLOCK), which every vCPU's pvclock then follows.
     *
     * @throws KvmException KVM refuses a flag it does not take on a set (EINVAL), such as KVM_CLOCK_TSC_STABLE
     */
    public void setClock(ClockData clock) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = kvm_clock_data.allocate(arena);
            kvm_clock_data.clock(s, clock.clock());
            kvm_clock_data.flags(s, clock.flags());
            Ioctl.call(fd, KvmHeaders.KVM_SET_CLOCK(), s, "KVM_SET_CLOCK");
        }
    }

    public VcpuFd createVcpu(int id) {
        int vcpuFd = Ioctl.call(fd, KvmHeaders.KVM_CREATE_VCPU(), id, "KVM_CREATE_VCPU");
        try {
            int size = kvm.vcpuMmapSize();
            MemorySegment run = Libc.mmap(size, LibcHeaders.PROT_READ() | LibcHeaders.PROT_WRITE(),
                    LibcHeaders.MAP_SHARED(), vcpuFd, 0, "mmap of kvm_run for vCPU " + id);
            return new VcpuFd(id, vcpuFd, run, xsaveSize());
        } catch (RuntimeException e) {
            Libc.close(vcpuFd);
            throw e;
        }
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
