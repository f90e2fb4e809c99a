package io.kvmj.virtio;

import java.util.ArrayList;
import java.util.List;

/** What a test opened, closed in reverse order; a field with JUnit's {@code @AutoClose} closes it after each test. */
public final class Closer implements AutoCloseable {
    private final List<AutoCloseable> open = new ArrayList<>();

    /** Closes {@code c} with the rest; returns it. */
    public <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }
}
