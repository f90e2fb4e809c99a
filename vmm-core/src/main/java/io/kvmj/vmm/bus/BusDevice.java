package io.kvmj.vmm.bus;

/** A device register window on a bus. Offsets are relative to the window; sizes are 1, 2, 4 or 8 bytes. */
public interface BusDevice {
    long read(long offset, int size);

    void write(long offset, int size, long value);
}
