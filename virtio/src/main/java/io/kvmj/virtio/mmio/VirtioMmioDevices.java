package io.kvmj.virtio.mmio;

import io.kvmj.sys.SyscallException;
import io.kvmj.virtio.VirtioDevice;
import io.kvmj.virtio.block.BlockDevice;
import io.kvmj.virtio.block.FileBlockBackend;
import io.kvmj.virtio.rng.RngDevice;
import io.kvmj.virtio.vsock.VsockDevice;
import io.kvmj.virtio.vsock.VsockMuxer;
import io.kvmj.vmm.devices.DeviceManager;
import io.kvmj.vmm.devices.DeviceSetup;

import java.io.IOException;
import java.nio.file.Path;

/** Virtio devices on the MMIO transport, as {@link DeviceSetup}s for the VM builder (CLI and Java API alike). */
public final class VirtioMmioDevices {
    private VirtioMmioDevices() {
    }

    /** A virtio-blk device over a raw image file. */
    public static DeviceSetup block(String name, Path image, boolean readOnly, String serial, boolean directIo) {
        return (devices, memory) -> {
            FileBlockBackend backend;
            try {
                backend = FileBlockBackend.open(image, readOnly, directIo);
            } catch (IOException | SyscallException e) {
                throw new IllegalArgumentException(name + ": cannot open " + image + ": " + e.getMessage(), e);
            }
            devices.closeWithVm(backend);
            attach(devices, name, new BlockDevice(backend, readOnly, serial), memory);
        };
    }

    /** A virtio-rng device fed by the host kernel's CSPRNG. */
    public static DeviceSetup rng() {
        return (devices, memory) -> attach(devices, "rng", new RngDevice(), memory);
    }

    /**
     * A virtio-vsock device for the guest with CID {@code guestCid}, in Firecracker's hybrid model: it listens on
     * {@code udsPath} from the moment the VM is built and removes it when the VM is closed.
     *
     * @throws IllegalArgumentException (from attach) naming the path when it cannot be bound: it exists, its
     *                                  directory is not writable, or it is too long for a Unix socket
     */
    public static DeviceSetup vsock(long guestCid, Path udsPath) {
        return (devices, memory) -> {
            VsockMuxer muxer;
            try {
                muxer = new VsockMuxer(guestCid, udsPath.toString(), System::nanoTime);
            } catch (SyscallException | IllegalArgumentException e) {
                throw new IllegalArgumentException("vsock: cannot listen on " + udsPath + ": " + e.getMessage(), e);
            }
            devices.closeWithVm(muxer);
            attach(devices, "vsock", new VsockDevice(guestCid, muxer), memory);
        };
    }

    private static void attach(DeviceManager devices, String name, VirtioDevice device,
                               io.kvmj.vmm.memory.GuestMemory memory) {
        DeviceManager.MmioSlot slot = devices.allocateMmio(MmioTransport.WINDOW_SIZE);
        MmioTransport transport = new MmioTransport(name, device, memory, slot.irq(), devices.eventLoop());
        devices.attachVirtioMmio(slot, transport, transport.queueCount(), MmioTransport.QUEUE_NOTIFY_OFFSET,
                transport::notifyQueue);
    }
}
