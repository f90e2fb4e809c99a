package io.kvmj.vmm.devices.legacy;

import io.kvmj.vmm.snapshot.SnapshotException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SerialTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final AtomicInteger irqs = new AtomicInteger();
    private final Serial serial = new Serial(out, irqs::incrementAndGet);

    @Test
    void transmittedBytesReachTheOutput() {
        for (byte b : "hi\n".getBytes()) {
            serial.write(0, 1, b);
        }
        assertEquals("hi\n", out.toString());
        assertEquals(0x60, serial.read(5, 1), "transmitter always empty, no data");
        assertEquals(0, irqs.get(), "no interrupts unless enabled");
    }

    @Test
    void divisorLatchDoesNotTransmit() {
        serial.write(3, 1, 0x80); // DLAB
        serial.write(0, 1, 0x01);
        serial.write(1, 1, 0x00);
        assertEquals(1, serial.read(0, 1));
        serial.write(3, 1, 0x03);
        assertEquals("", out.toString());
    }

    @Test
    void inputIsQueuedAndRaisesRxInterrupt() throws InterruptedException {
        serial.write(1, 1, 0x01); // IER: rx data
        serial.feed("ab".getBytes(), 2);
        assertEquals(2, irqs.get());
        assertEquals(0x61, serial.read(5, 1), "data ready");
        assertEquals(0x04, serial.read(2, 1) & 0x0f, "IIR says rx data");
        assertEquals('a', serial.read(0, 1));
        assertEquals('b', serial.read(0, 1));
        assertEquals(0x60, serial.read(5, 1));
        assertEquals(0x01, serial.read(2, 1) & 0x0f, "nothing pending");
        assertEquals(0, serial.read(0, 1), "empty FIFO reads 0");
    }

    @Test
    void thrEmptyInterruptIsRaisedAndAcknowledgedByIirRead() {
        serial.write(1, 1, 0x02);
        assertEquals(1, irqs.get(), "enabling THRE raises it at once");
        assertEquals(0x02, serial.read(2, 1) & 0x0f);
        assertEquals(0x01, serial.read(2, 1) & 0x0f, "acknowledged");
        serial.write(0, 1, 'x');
        assertEquals(2, irqs.get());
    }

    @Test
    void loopbackEchoesIntoReceiveFifoLikeLinuxProbes() {
        serial.write(4, 1, 0x10 | 0x0a); // loop + RTS + OUT2
        assertEquals(0x90, serial.read(6, 1) & 0xf0, "CTS and DCD follow RTS and OUT2");
        serial.write(0, 1, 0x5a);
        assertEquals("", out.toString());
        assertEquals(0x5a, serial.read(0, 1));
    }

    @Test
    void fifoFullBlocksTheFeederUntilTheGuestReads() throws Exception {
        byte[] data = new byte[Serial.FIFO_SIZE + 1];
        Thread feeder = Thread.ofPlatform().start(() -> {
            try {
                serial.feed(data, data.length);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        while (feeder.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        serial.read(0, 1);
        feeder.join(5000);
        assertEquals(Thread.State.TERMINATED, feeder.getState());
    }

    @Test
    void failingOutputIsDroppedNotFatal() {
        Serial broken = new Serial(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("EPIPE");
            }
        }, () -> { });
        broken.write(0, 1, 'a');
        broken.write(0, 1, 'b');
        assertEquals(0x60, broken.read(5, 1));
    }

    @Test
    void garbageRegisterValuesAreMasked() {
        serial.write(1, 1, 0xffff_ffffL);
        assertEquals(0x0f, serial.read(1, 1));
        serial.write(9, 1, 1); // beyond the register file: ignored
        assertEquals(0xff, serial.read(9, 1));
    }

    /** A UART rebuilt in a restored VM reads like the saved one: registers, divisor, and the bytes not read yet. */
    @Test
    void aRestoredUartHasTheSavedRegistersAndPendingInput() throws Exception {
        serial.write(3, 1, 0x80); // DLAB: divisor 1 (115200 baud)
        serial.write(0, 1, 0x01);
        serial.write(3, 1, 0x03);
        serial.write(1, 1, 0x01); // IER: rx data
        serial.write(7, 1, 0x5a); // scratch
        serial.write(2, 1, 0x01); // FIFO on
        serial.feed("xyz".getBytes(), 3);
        assertEquals('x', serial.read(0, 1));
        Serial.State saved = serial.saveState();

        Serial restored = new Serial(out, irqs::incrementAndGet);
        int irqsBefore = irqs.get();
        restored.restoreState(saved);
        assertEquals(irqsBefore, irqs.get(), "the restore raises no interrupt of its own");
        assertEquals(0x5a, restored.read(7, 1));
        assertEquals(0x01, restored.read(1, 1));
        assertEquals(0xc4, restored.read(2, 1), "FIFO on, rx data pending");
        assertEquals(0x61, restored.read(5, 1), "data ready");
        assertEquals('y', restored.read(0, 1));
        assertEquals('z', restored.read(0, 1));
        restored.write(3, 1, 0x83);
        assertEquals(1, restored.read(0, 1), "divisor latch low");
    }

    @Test
    void aStateThatNoUartHoldsIsRefused() {
        Serial.State tooMuch = new Serial.State(0, 3, 8, 0, 0, 12, 0, false, new byte[Serial.FIFO_SIZE + 1]);
        assertEquals("serial receive FIFO holds at most 64 bytes, not 65",
                assertThrows(SnapshotException.class, () -> serial.restoreState(tooMuch)).getMessage());
        Serial.State notAByte = new Serial.State(0, 0x1ff, 8, 0, 0, 12, 0, false, new byte[0]);
        assertThrows(SnapshotException.class, () -> serial.restoreState(notAByte));
    }
}
