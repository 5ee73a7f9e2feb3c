package ai.spectrum.analysis;

import java.util.Objects;
import java.util.Optional;

/**
 * The Spectrum score of one module.
 *
 * @param name  the module name
 * @param type  the module type used for grouping
 * @param snr   the reported value, (signal/noise)/σ_max; may be +∞, or NaN when undefined
 * @param stats the full statistics when this score was computed here; empty when read from a results file
 */
public record ModuleScore(String name, String type, double snr, Optional<SpectralStats> stats) {
    public ModuleScore {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(stats, "stats");
        if (stats.isPresent() && Double.compare(stats.get().snr(), snr) != 0) {
            throw new IllegalArgumentException("snr " + snr + " differs from stats.snr " + stats.get().snr());
        }
    }

    /** A score computed from statistics. */
    public static ModuleScore computed(String name, String type, SpectralStats stats) {
        return new ModuleScore(name, type, stats.snr(), Optional.of(stats));
    }

    /** A score known only by its value, e.g. read from a published results file. */
    public static ModuleScore ofValue(String name, String type, double snr) {
        return new ModuleScore(name, type, snr, Optional.empty());
    }
}
