package io.kvmj.vmm.devices.legacy;

import io.kvmj.vmm.bus.BusDevice;
import io.kvmj.vmm.devices.InterruptLine;
import io.kvmj.vmm.snapshot.SnapshotException;
import io.kvmj.vmm.snapshot.Snapshottable;

import java.io.IOException;
import java.io.OutputStream;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A 16550A UART: what the guest transmits goes to {@code output} byte by byte, unbuffered; host input is
 * queued into a 64-byte receive FIFO. Loopback mode (MCR bit 4) is emulated because Linux's 8250 driver
 * probes the port with it.
 */
public final class Serial implements BusDevice, Snapshottable<Serial.State> {
    public static final int COM1_PORT = 0x3f8;
    public static final int COM1_IRQ = 4;
    public static final int PORT_COUNT = 8;
    static final int FIFO_SIZE = 64;

    private static final Logger LOG = Logger.getLogger(Serial.class.getName());

    // Register offsets
    private static final int DATA = 0;
    private static final int IER = 1;
    private static final int IIR_FCR = 2;
    private static final int LCR = 3;
    private static final int MCR = 4;
    private static final int LSR = 5;
    private static final int MSR = 6;
    private static final int SCR = 7;

    private static final int IER_RX_DATA = 0x01;
    private static final int IER_THR_EMPTY = 0x02;
    private static final int IER_MASK = 0x0f;
    private static final int IIR_NONE = 0x01;
    private static final int IIR_THR_EMPTY = 0x02;
    private static final int IIR_RX_DATA = 0x04;
    private static final int IIR_FIFO_ENABLED = 0xc0;
    private static final int FCR_FIFO_ENABLE = 0x01;
    private static final int FCR_CLEAR_RX = 0x02;
    private static final int LCR_DLAB = 0x80;
    private static final int MCR_LOOPBACK = 0x10;
    private static final int LSR_DATA_READY = 0x01;
    private static final int LSR_THR_EMPTY = 0x20;
    private static final int LSR_IDLE = 0x40;
    private static final int MSR_CONNECTED = 0xb0; // DCD, DSR, CTS

    private final OutputStream output;
    private final InterruptLine irq;
    private final byte[] rx = new byte[FIFO_SIZE];
    private int rxHead;
    private int rxCount;
    private int ier;
    private int lcr = 0x03; // 8N1
    private int mcr = 0x08; // OUT2
    private int fcr;
    private int scr;
    private int divisorLow = 0x0c; // 9600 baud
    private int divisorHigh;
    private boolean thrEmptyPending;
    private boolean outputBroken;

    /**
     * The UART's registers as the guest set them, and the received bytes it has not read yet (oldest first, at
     * most 64). Each register is a byte.
     *
     * @param thrEmptyPending the transmitter-empty interrupt is raised and not yet acknowledged by an IIR read
     */
    public record State(int ier, int lcr, int mcr, int fcr, int scr, int divisorLow, int divisorHigh,
                        boolean thrEmptyPending, byte[] received) {
    }

    public Serial(OutputStream output, InterruptLine irq) {
        this.output = output;
        this.irq = irq;
    }

    @Override
    public synchronized long read(long offset, int size) {
        return switch ((int) offset) {
            case DATA -> (lcr & LCR_DLAB) != 0 ? divisorLow : popRx();
            case IER -> (lcr & LCR_DLAB) != 0 ? divisorHigh : ier;
            case IIR_FCR -> readIir();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> LSR_THR_EMPTY | LSR_IDLE | (rxCount > 0 ? LSR_DATA_READY : 0);
            case MSR -> loopback() ? loopbackMsr() : MSR_CONNECTED;
            case SCR -> scr;
            default -> 0xff;
        };
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        int v = (int) (value & 0xff);
        switch ((int) offset) {
            case DATA -> {
                if ((lcr & LCR_DLAB) != 0) {
                    divisorLow = v;
                } else {
                    transmit(v);
                }
            }
            case IER -> {
                if ((lcr & LCR_DLAB) != 0) {
                    divisorHigh = v;
                } else {
                    ier = v & IER_MASK;
                    // The transmitter is always empty, so enabling its interrupt raises it at once.
                    thrEmptyPending = (ier & IER_THR_EMPTY) != 0;
                    raiseIfPending();
                }
            }
            case IIR_FCR -> {
                fcr = v;
                if ((v & FCR_CLEAR_RX) != 0) {
                    rxCount = 0;
                    notifyAll();
                }
            }
            case LCR -> lcr = v;
            case MCR -> mcr = v & 0x1f;
            case SCR -> scr = v;
            default -> {
                // LSR and MSR are read-only
            }
        }
    }

    private void transmit(int b) {
        if (loopback()) {
            pushRx((byte) b);
        } else {
            emit(b);
        }
        if ((ier & IER_THR_EMPTY) != 0) {
            thrEmptyPending = true;
        }
        raiseIfPending();
    }

    private void emit(int b) {
        if (outputBroken) {
            return;
        }
        try {
            output.write(b);
            output.flush();
        } catch (IOException e) {
            // A closed console must not stop the guest; drop its output from here on.
            outputBroken = true;
            LOG.log(Level.WARNING, "serial output failed, discarding further output: {0}", e.getMessage());
        }
    }

    private int readIir() {
        int fifo = (fcr & FCR_FIFO_ENABLE) != 0 ? IIR_FIFO_ENABLED : 0;
        if ((ier & IER_RX_DATA) != 0 && rxCount > 0) {
            return fifo | IIR_RX_DATA;
        }
        if (thrEmptyPending) {
            thrEmptyPending = false; // reading IIR acknowledges the THR-empty interrupt
            return fifo | IIR_THR_EMPTY;
        }
        return fifo | IIR_NONE;
    }

    private int popRx() {
        if (rxCount == 0) {
            return 0;
        }
        int b = rx[rxHead] & 0xff;
        rxHead = (rxHead + 1) % FIFO_SIZE;
        rxCount--;
        notifyAll();
        return b;
    }

    private boolean pushRx(byte b) {
        if (rxCount == FIFO_SIZE) {
            return false;
        }
        rx[(rxHead + rxCount) % FIFO_SIZE] = b;
        rxCount++;
        return true;
    }

    private void raiseIfPending() {
        if (thrEmptyPending || ((ier & IER_RX_DATA) != 0 && rxCount > 0)) {
            irq.trigger();
        }
    }

    private boolean loopback() {
        return (mcr & MCR_LOOPBACK) != 0;
    }

    private int loopbackMsr() {
        // DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD
        return ((mcr & 0x01) << 5) | ((mcr & 0x02) << 3) | ((mcr & 0x04) << 4) | ((mcr & 0x08) << 4);
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public synchronized State saveState() {
        byte[] received = new byte[rxCount];
        for (int i = 0; i < rxCount; i++) {
            received[i] = rx[(rxHead + i) % FIFO_SIZE];
        }
        return new State(ier, lcr, mcr, fcr, scr, divisorLow, divisorHigh, thrEmptyPending, received);
    }

    /**
     * Takes the saved registers and received bytes. Raises no interrupt: one the UART had raised is in the
     * restored interrupt controllers' state.
     */
    @Override
    public synchronized void restoreState(State s) throws SnapshotException {
        int[] registers = {s.ier(), s.lcr(), s.mcr(), s.fcr(), s.scr(), s.divisorLow(), s.divisorHigh()};
        for (int r : registers) {
            if ((r & ~0xff) != 0) {
                throw new SnapshotException("serial register value " + r + " is not a byte");
            }
        }
        if (s.received() == null || s.received().length > FIFO_SIZE) {
            throw new SnapshotException("serial receive FIFO holds at most " + FIFO_SIZE + " bytes, not "
                    + (s.received() == null ? "none" : s.received().length));
        }
        ier = s.ier() & IER_MASK;
        lcr = s.lcr();
        mcr = s.mcr() & 0x1f;
        fcr = s.fcr();
        scr = s.scr();
        divisorLow = s.divisorLow();
        divisorHigh = s.divisorHigh();
        thrEmptyPending = s.thrEmptyPending();
        rxHead = 0;
        rxCount = s.received().length;
        System.arraycopy(s.received(), 0, rx, 0, rxCount);
        notifyAll();
    }

    /**
     * Host input for the guest: blocks while the receive FIFO is full (the guest has not read it yet), so input
     * is never dropped. Returns early only when interrupted.
     */
    public void feed(byte[] data, int length) throws InterruptedException {
        for (int i = 0; i < length; i++) {
            synchronized (this) {
                while (!pushRx(data[i])) {
                    wait();
                }
                raiseIfPending();
            }
        }
    }
}
