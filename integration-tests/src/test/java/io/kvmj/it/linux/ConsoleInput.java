package io.kvmj.it.linux;

/**
 * Text typed on the VMM's stdin once the console shows {@code afterMarker}: input sent earlier could be lost to
 * the guest's UART set-up (it resets its FIFOs), as on hardware.
 *
 * @param afterMarker console text the job prints when it is ready to read
 * @param text        what to type, e.g. a line ending in {@code \n}
 */
public record ConsoleInput(String afterMarker, String text) {
}
