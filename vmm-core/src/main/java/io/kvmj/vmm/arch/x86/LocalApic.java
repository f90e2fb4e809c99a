package io.kvmj.vmm.arch.x86;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Local APIC register-page edits done before boot. */
public final class LocalApic {
    static final int LVT_LINT0 = 0x350;
    static final int LVT_LINT1 = 0x360;
    static final int DELIVERY_EXTINT = 0x7 << 8;
    static final int DELIVERY_NMI = 0x4 << 8;
    private static final int DELIVERY_MASK = 0x7 << 8;

    private LocalApic() {
    }

    /** LINT0 delivers the PIC's ExtINT, LINT1 NMIs: the virtual-wire wiring a PC's firmware sets up. */
    public static byte[] withVirtualWire(byte[] registerPage) {
        byte[] page = registerPage.clone();
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(LVT_LINT0, (b.getInt(LVT_LINT0) & ~DELIVERY_MASK) | DELIVERY_EXTINT);
        b.putInt(LVT_LINT1, (b.getInt(LVT_LINT1) & ~DELIVERY_MASK) | DELIVERY_NMI);
        return page;
    }
}
