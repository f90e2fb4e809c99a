package io.kvmj.vmm.snapshot;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.kvmj.vmm.devices.DeviceManager;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Saves the state of every device of a VM, and puts saved states into the devices of a restored one. */
public final class DeviceStates {
    private DeviceStates() {
    }

    /**
     * The state of every device, in attach order. Called with the VM paused.
     *
     * @throws SnapshotException a device is not {@link Snapshottable} (the message names it), or its state cannot
     *                           be put in JSON
     */
    public static List<DeviceState> save(List<DeviceManager.Attached> devices) throws SnapshotException {
        List<DeviceState> states = new ArrayList<>(devices.size());
        for (DeviceManager.Attached d : devices) {
            if (!(d.device() instanceof Snapshottable<?> s)) {
                throw new SnapshotException("cannot snapshot this VM: " + d.name() + " does not support snapshots");
            }
            try {
                states.add(new DeviceState(d.id(), d.name(), SnapshotJson.MAPPER.valueToTree(s.saveState())));
            } catch (IllegalArgumentException e) {
                throw new SnapshotException("cannot save the state of " + d.name() + ": " + e.getMessage(), e);
            }
        }
        return states;
    }

    /**
     * Puts each saved state into the device at the same place. Every device must have a saved state and every
     * saved state a device.
     *
     * @throws SnapshotException a device has no saved state, a saved state has no device, a device is not
     *                           {@link Snapshottable}, a state is not what its device stores, or the device
     *                           refuses it; the message names the device
     */
    public static void restore(List<DeviceManager.Attached> devices, List<DeviceState> saved)
            throws SnapshotException {
        Map<String, DeviceState> byId = new HashMap<>();
        for (DeviceState s : saved) {
            if (byId.put(s.id(), s) != null) {
                throw new SnapshotException("the snapshot holds two device states at " + s.id());
            }
        }
        for (DeviceManager.Attached d : devices) {
            DeviceState s = byId.remove(d.id());
            if (s == null) {
                throw new SnapshotException("the snapshot holds no state for " + d.name());
            }
            if (!(d.device() instanceof Snapshottable<?> target)) {
                throw new SnapshotException("cannot restore " + d.name() + ": it does not support snapshots");
            }
            restoreOne(target, s.state(), d.name());
        }
        if (!byId.isEmpty()) {
            DeviceState extra = byId.values().iterator().next();
            throw new SnapshotException("the snapshot holds the state of " + extra.device() + " at " + extra.id()
                    + ", which the restored machine does not have");
        }
    }

    private static <S extends Record> void restoreOne(Snapshottable<S> device, JsonNode json, String name)
            throws SnapshotException {
        S state;
        try {
            state = SnapshotJson.MAPPER.treeToValue(json, device.stateType());
        } catch (JacksonException | IllegalArgumentException e) {
            String why = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
            throw new SnapshotException("the saved state of " + name + " does not fit it: "
                    + why.lines().findFirst().orElse(""), e);
        }
        device.restoreState(state);
    }
}
