package io.kvmj.virtio.mmio;

import io.kvmj.sys.SyscallException;
import io.kvmj.virtio.VirtioDevice;
import io.kvmj.virtio.block.BlockDevice;
import io.kvmj.virtio.block.CacheType;
import io.kvmj.virtio.block.FileBlockBackend;
import io.kvmj.virtio.net.NetDevice;
import io.kvmj.virtio.rng.RngDevice;
import io.kvmj.virtio.vsock.VsockDevice;
import io.kvmj.virtio.vsock.VsockMuxer;
import io.kvmj.vmm.devices.DeviceManager;
import io.kvmj.vmm.devices.DeviceSetup;
import io.kvmj.vmm.devices.MachineLayout;
import io.kvmj.vmm.memory.GuestMemory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;

/** Virtio devices on the MMIO transport, as {@link DeviceSetup}s for the VM builder (CLI and Java API alike). */
public final class VirtioMmioDevices {
    private VirtioMmioDevices() {
    }

    /**
     * A virtio-blk device over a raw image file.
     *
     * @param name      how messages name the drive, e.g. {@code drive rootfs}
     * @param cacheType whether guest flushes reach the disk ({@link CacheType})
     */
    public static DeviceSetup block(String name, Path image, boolean readOnly, String serial, boolean directIo,
                                    CacheType cacheType) {
        Opening<Long> check = () -> FileBlockBackend.check(name, image, readOnly, directIo);
        return new MmioDevice(name, () -> openOrRefuse(name, image, check), devices -> {
            FileBlockBackend backend = openOrRefuse(name, image, () -> FileBlockBackend.open(image, readOnly, directIo));
            devices.closeWithVm(backend);
            return new BlockDevice(backend, readOnly, serial, cacheType);
        });
    }

    /** What opens a drive's image: a check, or the backend itself. */
    @FunctionalInterface
    private interface Opening<T> {
        T open() throws IOException;
    }

    /** The one message for an image that does not open, at check and at attach alike. */
    private static <T> T openOrRefuse(String name, Path image, Opening<T> opening) {
        try {
            return opening.open();
        } catch (IOException | SyscallException e) {
            throw new IllegalArgumentException(name + ": cannot open " + image + ": " + e.getMessage(), e);
        }
    }

    /** A virtio-rng device fed by the host kernel's CSPRNG. */
    public static DeviceSetup rng() {
        return new MmioDevice("rng", () -> { }, devices -> new RngDevice());
    }

    /**
     * A virtio-vsock device for the guest with CID {@code guestCid}, in Firecracker's hybrid model: it listens on
     * {@code udsPath} from the moment the VM is built and removes it when the VM is closed.
     *
     * @throws IllegalArgumentException (from attach) naming the path when it cannot be bound: it exists, its
     *                                  directory is not writable, or it is too long for a Unix socket
     */
    public static DeviceSetup vsock(long guestCid, Path udsPath) {
        return new MmioDevice("vsock", () -> { }, devices -> {
            VsockMuxer muxer;
            try {
                muxer = new VsockMuxer(guestCid, udsPath.toString(), System::nanoTime);
            } catch (SyscallException | IllegalArgumentException e) {
                throw new IllegalArgumentException("vsock: cannot listen on " + udsPath + ": " + e.getMessage(), e);
            }
            devices.closeWithVm(muxer);
            return new VsockDevice(guestCid, muxer);
        });
    }

    /**
     * A virtio-net device on the TAP {@code hostDevName} of kvmj's network namespace (attached if it exists, else
     * created by the kernel for as long as the VM holds it), offering {@code mac} when not null.
     *
     * @param name how messages name the interface, e.g. {@code network interface eth0}
     * @param mac  6 bytes, or null for none (the guest then makes one up)
     * @param mtu  the MTU advised to the guest (VIRTIO_NET_F_MTU), bytes, or 0 for none
     * @throws IllegalArgumentException (from attach) naming the TAP when it cannot be opened: another process
     *                                  holds it (EBUSY), or kvmj may not create or attach it (EPERM)
     */
    public static DeviceSetup net(String name, String hostDevName, byte[] mac, int mtu) {
        return new MmioDevice(name, () -> { }, devices -> {
            NetDevice net;
            try {
                net = new NetDevice(hostDevName, mac, mtu);
            } catch (SyscallException e) {
                throw new IllegalArgumentException(name + ": cannot open TAP " + hostDevName + ": " + e.getMessage(), e);
            }
            devices.closeWithVm(net);
            return net;
        });
    }

    /** A virtio device made when the VM is built, behind a virtio-mmio transport in its planned window. */
    private record MmioDevice(String name, Runnable checker, Function<DeviceManager, VirtioDevice> make)
            implements DeviceSetup {
        @Override
        public MachineLayout.MmioRequest mmioRequest() {
            return new MachineLayout.MmioRequest(name, MmioTransport.WINDOW_SIZE);
        }

        @Override
        public void check() {
            checker.run();
        }

        @Override
        public void attach(DeviceManager devices, DeviceManager.MmioSlot slot, GuestMemory memory) {
            MmioTransport transport = new MmioTransport(name, make.apply(devices), memory, slot.irq(),
                    devices.eventLoop());
            devices.closeWithVm(transport);
            devices.attachVirtioMmio(slot, transport, transport.queueCount(), MmioTransport.QUEUE_NOTIFY_OFFSET,
                    transport::notifyQueue);
        }
    }
}
