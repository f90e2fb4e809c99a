package io.kvmj.virtio.mmio;

import io.kvmj.virtio.DeviceEvents;
import io.kvmj.vmm.event.EventOps;
import io.kvmj.vmm.event.EventSource;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One activation's event sources: each handler runs as device work of its transport (serialized with queue
 * processing, skipped once the device is reset or needs a reset), and whatever the device has not removed
 * itself is removed at reset.
 */
final class TransportEvents implements DeviceEvents {
    private final EventOps loop;
    private final MmioTransport transport;
    private final Set<EventSource> live = new LinkedHashSet<>();

    TransportEvents(EventOps loop, MmioTransport transport) {
        this.loop = loop;
        this.transport = transport;
    }

    @Override
    public synchronized EventSource add(int fd, int events, Handler handler) {
        EventSource[] self = new EventSource[1];
        EventSource inner = loop.add(fd, events,
                ready -> transport.runDeviceWork(() -> handler.ready(ready), "event on fd " + fd));
        self[0] = new EventSource() {
            @Override
            public void modify(int newEvents) {
                inner.modify(newEvents);
            }

            @Override
            public void remove() {
                inner.remove();
                forget(self[0]);
            }
        };
        live.add(self[0]);
        return self[0];
    }

    private synchronized void forget(EventSource source) {
        live.remove(source);
    }

    synchronized void removeAll() {
        List<EventSource> all = new ArrayList<>(live);
        live.clear();
        all.forEach(EventSource::remove);
    }
}
