package ai.spectrum.samples.bert;

import ai.spectrum.selection.SelectionStrategy;

/**
 * What trains in the era-classification experiment ({@link EraExperiment}). Every method trains the classification
 * head; they differ in what else trains.
 */
public enum EraMethod {
    /** Every parameter. */
    FULL(null, 0),
    /** Spectrum: the top 25% of each module type by SNR, re-selected on a schedule. */
    SPECTRUM_25(SelectionStrategy.snr(), 25),
    /** Spectrum: the top 50% of each module type by SNR. */
    SPECTRUM_50(SelectionStrategy.snr(), 50),
    /** A random 25% of each module type, redrawn at every re-selection. */
    RANDOM_25(SelectionStrategy.random(), 25),
    /** The 25% of each type with the largest gradient norm (full first step, then selected). */
    GRADIENT_NORM_25(SelectionStrategy.gradientNorm(), 25),
    /** The 25% of each type with the largest activation RMS (full first step, then selected). */
    ACTIVATION_NORM_25(SelectionStrategy.activationNorm(), 25),
    /** LISA: first and last module of each type plus a random 25%, redrawn at every re-selection. */
    LISA(SelectionStrategy.lisa(), 25),
    /** A linear probe: only the head trains on the pretrained, mean-pooled encoder. */
    FROZEN_ENCODER(null, 0),
    /** Rank-8 LoRA adapters on every attention query and value projection; base weights frozen. */
    LORA(null, 0);

    private final SelectionStrategy strategy;
    private final double percent;

    EraMethod(SelectionStrategy strategy, double percent) {
        this.strategy = strategy;
        this.percent = percent;
    }

    /** The layer-selection strategy, or null for the methods with a fixed trainable set. */
    public SelectionStrategy strategy() {
        return strategy;
    }

    /** Top percent per module type of the selecting methods; 0 for the others. */
    public double percent() {
        return percent;
    }
}
