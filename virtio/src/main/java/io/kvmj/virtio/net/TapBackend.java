package io.kvmj.virtio.net;

import io.kvmj.sys.Tap;

import java.lang.foreign.MemorySegment;

/** A {@link NetBackend} over a Linux TAP interface. */
final class TapBackend implements NetBackend {
    private final Tap tap;

    TapBackend(Tap tap) {
        this.tap = tap;
    }

    @Override
    public String name() {
        return tap.name();
    }

    @Override
    public int fd() {
        return tap.fd();
    }

    @Override
    public long read(MemorySegment into) {
        return tap.read(into);
    }

    @Override
    public long write(MemorySegment[] segments, int count) {
        return tap.write(segments, count);
    }

    @Override
    public void setOffload(int tunFlags) {
        tap.setOffload(tunFlags);
    }

    @Override
    public void close() {
        tap.close();
    }
}
