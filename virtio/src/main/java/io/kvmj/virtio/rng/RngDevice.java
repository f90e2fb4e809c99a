package io.kvmj.virtio.rng;

import io.kvmj.sys.Libc;
import io.kvmj.virtio.SingleQueueDevice;
import io.kvmj.virtio.TransportOnlyState;
import io.kvmj.virtio.TransportState;
import io.kvmj.virtio.VirtioDeviceState;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.queue.Descriptor;
import io.kvmj.virtio.queue.DescriptorChain;
import io.kvmj.vmm.memory.GuestMemory;

/**
 * virtio-rng (virtio 1.2 section 5.4): fills every device-writable buffer the guest offers with bytes from
 * the host kernel's CSPRNG (getrandom), written straight into guest memory.
 */
public final class RngDevice extends SingleQueueDevice {
    public static final int DEVICE_TYPE = 4;
    static final int QUEUE_SIZE = 256;
    /** Bytes served per request at most: a guest asking for gigabytes gets a short answer, as the spec allows. */
    static final int MAX_BYTES_PER_REQUEST = 64 * 1024;

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.COMMON;
    }

    @Override
    public int queueMaxSize() {
        return QUEUE_SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        return 0; // no configuration space
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        // no configuration space
    }

    @Override
    public Class<TransportOnlyState> stateType() {
        return TransportOnlyState.class;
    }

    /** Nothing of its own: each request completes as it is popped, and there is no configuration. */
    @Override
    public TransportOnlyState saveState(TransportState transport) {
        return new TransportOnlyState(transport);
    }

    @Override
    public void restoreState(VirtioDeviceState state, boolean resumes) {
        // nothing to check or keep
    }

    @Override
    protected int handle(DescriptorChain chain) {
        GuestMemory memory = memory();
        int filled = 0;
        for (Descriptor d : chain.descriptors()) {
            if (!d.writable()) {
                continue; // read-only buffers carry nothing for an entropy device
            }
            int n = Math.min(d.length(), MAX_BYTES_PER_REQUEST - filled);
            if (n <= 0) {
                break;
            }
            Libc.getrandom(memory.slice(d.address(), n));
            filled += n;
        }
        return filled;
    }
}
