package ai.spectrum.analysis;

import java.util.Objects;

/**
 * The Spectrum score of one module.
 *
 * @param name  the module name
 * @param type  the module type used for grouping
 * @param stats the spectral statistics; {@code stats.snr()} is the reported value
 */
public record ModuleScore(String name, String type, SpectralStats stats) {
    public ModuleScore {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(stats, "stats");
    }

    /** The reported SNR, (signal/noise)/σ_max; may be +∞ or NaN. */
    public double snr() {
        return stats.snr();
    }
}
