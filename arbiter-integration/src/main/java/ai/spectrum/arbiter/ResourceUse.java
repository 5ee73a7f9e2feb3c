package ai.spectrum.arbiter;

import java.time.Duration;
import java.util.Objects;

/**
 * Time and memory one candidate used.
 *
 * @param wallClock         time from model creation to the end of scoring
 * @param peakHeapBytes     largest JVM heap in use seen at an iteration end
 * @param peakRssBytes      largest resident set size of the whole process (heap, ND4J's native arrays and everything
 *                          else) seen at an iteration end; the process's figure, so it includes what earlier
 *                          candidates left behind and, with concurrent candidates, what the others use
 * @param updaterStateBytes size of the optimizer state at the end of training (what Spectrum's freezing saves;
 *                          exact and deterministic, unlike the two samples above); 0 when the network has none
 */
public record ResourceUse(Duration wallClock, long peakHeapBytes, long peakRssBytes, long updaterStateBytes) {
    /** Nothing measured (a candidate that never started). */
    public static final ResourceUse NONE = new ResourceUse(Duration.ZERO, 0, 0, 0);

    /** @throws IllegalArgumentException on a negative figure */
    public ResourceUse {
        Objects.requireNonNull(wallClock, "wallClock");
        if (wallClock.isNegative() || peakHeapBytes < 0 || peakRssBytes < 0 || updaterStateBytes < 0) {
            throw new IllegalArgumentException("resource figures must not be negative: " + wallClock + ", "
                    + peakHeapBytes + ", " + peakRssBytes + ", " + updaterStateBytes);
        }
    }
}
