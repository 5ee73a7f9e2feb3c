package ai.spectrum.analysis;

/**
 * Which variant of the original tool's SNR formula to apply when a matrix has no singular value on one side of
 * the Marchenko–Pastur threshold τ.
 */
public enum SnrRule {
    /**
     * The current upstream rule (default): no value ≤ τ gives noise = 1.0, no value &gt; τ gives signal = 0.0;
     * a noise sum of exactly zero still gives +∞.
     */
    CURRENT,
    /**
     * The 2024 rule that produced the published {@code snr_results_*.json} files: a noise sum of zero (including an
     * empty noise set) gives +∞.
     */
    REF2024;

    /** Parses {@code current} or {@code ref2024} (case-insensitive), naming the accepted values on failure. */
    public static SnrRule parse(String text) {
        for (SnrRule r : values()) {
            if (r.name().equalsIgnoreCase(text)) {
                return r;
            }
        }
        throw new IllegalArgumentException("Unknown SNR rule '" + text + "'; expected one of: current, ref2024");
    }
}
