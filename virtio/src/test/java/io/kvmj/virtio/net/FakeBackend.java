package io.kvmj.virtio.net;

import io.kvmj.kvm.gen.libc.LibcHeaders;
import io.kvmj.sys.EventFd;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link NetBackend} in memory: frames queued with {@link #inject} are read by the device, frames the device
 * writes are kept in {@link #sent}, and {@link #full} makes writes fail with EAGAIN. Its fd is an eventfd,
 * signalled while frames wait (readable) and always writable, as a TAP with room is.
 */
final class FakeBackend implements NetBackend {
    final List<byte[]> sent = new ArrayList<>();
    final ArrayDeque<byte[]> toGuest = new ArrayDeque<>();
    final EventFd fd = new EventFd();
    boolean full;
    int reads;
    int writeAttempts;
    int offload = -1;
    boolean closed;

    void inject(byte[] frame) {
        toGuest.add(frame);
        fd.signal();
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public int fd() {
        return fd.fd();
    }

    @Override
    public long read(MemorySegment into) {
        reads++;
        byte[] frame = toGuest.poll();
        if (toGuest.isEmpty()) {
            fd.drain();
        }
        if (frame == null) {
            return -LibcHeaders.EAGAIN();
        }
        MemorySegment.copy(frame, 0, into, ValueLayout.JAVA_BYTE, 0, frame.length);
        return frame.length;
    }

    @Override
    public long write(MemorySegment[] segments, int count) {
        writeAttempts++;
        if (full) {
            return -LibcHeaders.EAGAIN();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            out.writeBytes(segments[i].toArray(ValueLayout.JAVA_BYTE));
        }
        sent.add(out.toByteArray());
        return out.size();
    }

    @Override
    public void setOffload(int tunFlags) {
        offload = tunFlags;
    }

    @Override
    public void close() {
        closed = true;
        fd.close();
    }
}
