package io.kvmj.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Routes java.util.logging to stderr, one line per record, at the chosen level. */
final class LogSetup {
    enum LogLevel {
        error(Level.SEVERE), warn(Level.WARNING), info(Level.INFO), debug(Level.FINE);

        final Level level;

        LogLevel(Level level) {
            this.level = level;
        }
    }

    private LogSetup() {
    }

    static void configure(LogLevel level) {
        LogManager.getLogManager().reset();
        ConsoleHandler handler = new ConsoleHandler(); // writes to System.err
        handler.setLevel(level.level);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                String msg = formatMessage(r);
                if (r.getThrown() != null && level == LogLevel.debug) {
                    msg += " (" + r.getThrown() + ")";
                }
                return "kvmj: " + r.getLevel().getName().toLowerCase() + ": " + msg + System.lineSeparator();
            }
        });
        Logger root = Logger.getLogger("");
        root.setLevel(level.level);
        root.addHandler(handler);
    }
}
