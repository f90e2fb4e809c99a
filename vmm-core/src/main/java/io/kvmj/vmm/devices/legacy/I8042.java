package io.kvmj.vmm.devices.legacy;

import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.bus.BusDevice;
import io.kvmj.vmm.devices.InterruptLine;
import io.kvmj.vmm.devices.VmStopper;
import io.kvmj.vmm.snapshot.SnapshotException;
import io.kvmj.vmm.snapshot.Snapshottable;

import java.util.Arrays;

/**
 * The i8042 keyboard controller with a keyboard that only ever types Ctrl+Alt+Del ({@link #sendCtrlAltDel}), as
 * Firecracker's: enough for Linux's i8042 and atkbd drivers to bind (controller configuration byte and output
 * port read and written through commands 0x20/0x60 and 0xD0/0xD1, every keyboard command acknowledged with 0xFA),
 * so that a host can ask a Linux guest to reboot; and command 0xFE on port 0x64 resets the machine, the way Linux
 * reboots when it has nothing better. No mouse (aux) port.
 *
 * <p>Bytes for the guest wait in a 16-byte output buffer read one at a time from port 0x60; each keyboard byte
 * raises IRQ 1 (edge), again after each read while more wait, as long as the guest enables the keyboard interrupt
 * in the configuration byte. Keys are scan code set 2, untranslated (the configuration byte's translate bit is
 * clear), so Linux's atkbd reads them as set 2. Thread-safe: vCPU threads and the host call it.
 */
public final class I8042 implements BusDevice, Snapshottable<I8042.State> {
    public static final int BASE_PORT = 0x60;
    /** Ports 0x60..0x64: data, (0x61-0x63 unused), command/status. */
    public static final int PORT_COUNT = 5;
    /** The keyboard's interrupt line on a PC. */
    public static final int KEYBOARD_IRQ = 1;
    private static final long DATA_OFFSET = 0;
    private static final long COMMAND_OFFSET = 4;

    private static final int CMD_READ_CONFIG = 0x20;
    private static final int CMD_WRITE_CONFIG = 0x60;
    private static final int CMD_READ_OUTPUT_PORT = 0xd0;
    private static final int CMD_WRITE_OUTPUT_PORT = 0xd1;
    private static final int CMD_RESET_CPU = 0xfe;

    private static final int STATUS_OUTPUT_FULL = 0x01;
    private static final int STATUS_COMMAND_DATA = 0x08; // the next port 0x60 write is a command's parameter
    private static final int STATUS_KEYBOARD_UNLOCKED = 0x10;

    private static final int CONFIG_KEYBOARD_INTERRUPT = 0x01;
    private static final int CONFIG_SYSTEM_FLAG = 0x04; // passed its power-on self-test

    private static final int KEYBOARD_ACK = 0xfa;
    /** Left Ctrl, left Alt, Delete (extended: 0xE0 0x71), in scan code set 2, make codes only. */
    private static final byte[] CTRL_ALT_DEL = {0x14, 0x11, (byte) 0xe0, 0x71};
    private static final int BUFFER_SIZE = 16;

    private final VmStopper stopper;
    private final InterruptLine irq;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private int head;
    private int count;
    private int config = CONFIG_KEYBOARD_INTERRUPT | CONFIG_SYSTEM_FLAG;
    private int outputPort;
    private int pendingCommand; // a command waiting for its parameter on port 0x60, or 0

    /**
     * What the guest can see: the configuration byte, the output port, a command waiting for its parameter (0 for
     * none) and the bytes it has not read yet, oldest first.
     */
    public record State(int config, int outputPort, int pendingCommand, byte[] unread) {
    }

    /** @param irq the keyboard's interrupt line, {@link #KEYBOARD_IRQ} */
    public I8042(VmStopper stopper, InterruptLine irq) {
        this.stopper = stopper;
        this.irq = irq;
    }

    /**
     * Types Ctrl+Alt+Del: the three keys pressed, in order, for the guest to read.
     *
     * @throws IllegalStateException the output buffer has no room for the four bytes (the guest has not read the
     *                               last ones)
     */
    public void sendCtrlAltDel() {
        boolean interrupt;
        synchronized (this) {
            if (BUFFER_SIZE - count < CTRL_ALT_DEL.length) {
                throw new IllegalStateException("the i8042's buffer is full: the guest has not read its last keys");
            }
            for (byte b : CTRL_ALT_DEL) {
                push(b);
            }
            interrupt = keyboardInterruptEnabled();
        }
        if (interrupt) irq.trigger();
    }

    @Override
    public long read(long offset, int size) {
        boolean interrupt;
        int value;
        synchronized (this) {
            if (offset == COMMAND_OFFSET) return status();
            if (offset != DATA_OFFSET) return 0;
            if (count == 0) return 0;
            value = buffer[head] & 0xff;
            head = (head + 1) % BUFFER_SIZE;
            count--;
            // the guest reads one byte per interrupt (Linux's handler does): the next one needs another
            interrupt = count > 0 && keyboardInterruptEnabled();
        }
        if (interrupt) irq.trigger();
        return value;
    }

    @Override
    public void write(long offset, int size, long value) {
        int b = (int) (value & 0xff);
        boolean interrupt = false;
        synchronized (this) {
            if (offset == COMMAND_OFFSET) {
                command(b);
            } else if (offset == DATA_OFFSET) {
                interrupt = data(b);
            }
        }
        if (interrupt) irq.trigger();
    }

    private void command(int command) {
        switch (command) {
            case CMD_READ_CONFIG -> answer(config);
            case CMD_READ_OUTPUT_PORT -> answer(outputPort);
            case CMD_WRITE_CONFIG, CMD_WRITE_OUTPUT_PORT -> pendingCommand = command;
            case CMD_RESET_CPU -> stopper.requestStop(new VmExitReason.Reset("i8042 reset"));
            default -> { } // self-tests, aux port and the rest: no answer, as a controller without them
        }
    }

    /** A port 0x60 write: a command's parameter, else a command to the keyboard. Returns whether to interrupt. */
    private boolean data(int value) {
        switch (pendingCommand) {
            case CMD_WRITE_CONFIG -> config = value;
            case CMD_WRITE_OUTPUT_PORT -> outputPort = value;
            default -> {
                // a keyboard that takes every command (LEDs, typematic rate, scan code set...) and changes nothing
                answer(KEYBOARD_ACK);
                return keyboardInterruptEnabled();
            }
        }
        pendingCommand = 0;
        return false;
    }

    /** A command's answer replaces whatever the guest had not read, so that its next read is the answer. */
    private void answer(int value) {
        head = 0;
        count = 0;
        push((byte) value);
    }

    private void push(byte b) {
        buffer[(head + count) % BUFFER_SIZE] = b;
        count++;
    }

    private int status() {
        return STATUS_KEYBOARD_UNLOCKED | (count > 0 ? STATUS_OUTPUT_FULL : 0)
                | (pendingCommand != 0 ? STATUS_COMMAND_DATA : 0);
    }

    private boolean keyboardInterruptEnabled() {
        return (config & CONFIG_KEYBOARD_INTERRUPT) != 0;
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public synchronized State saveState() {
        byte[] unread = new byte[count];
        for (int i = 0; i < count; i++) {
            unread[i] = buffer[(head + i) % BUFFER_SIZE];
        }
        return new State(config, outputPort, pendingCommand, unread);
    }

    @Override
    public synchronized void restoreState(State state) throws SnapshotException {
        boolean command = state.pendingCommand() == 0 || state.pendingCommand() == CMD_WRITE_CONFIG
                || state.pendingCommand() == CMD_WRITE_OUTPUT_PORT;
        if ((state.config() & ~0xff) != 0 || (state.outputPort() & ~0xff) != 0 || !command
                || state.unread() == null || state.unread().length > BUFFER_SIZE) {
            throw new SnapshotException("i8042 state does not fit: " + state.config() + "/" + state.outputPort() + "/"
                    + state.pendingCommand() + " with " + (state.unread() == null ? "no" : state.unread().length)
                    + " unread bytes (at most " + BUFFER_SIZE + ")");
        }
        config = state.config();
        outputPort = state.outputPort();
        pendingCommand = state.pendingCommand();
        Arrays.fill(buffer, (byte) 0);
        head = 0;
        count = 0;
        for (byte b : state.unread()) {
            push(b);
        }
    }
}
