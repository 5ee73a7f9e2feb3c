/**
 * Spectrum during DL4J training: {@link ai.spectrum.training.SpectrumListener}, a {@code TrainingListener} added in
 * one line to a {@code ComputationGraph} or {@code MultiLayerNetwork}, scores modules with a
 * {@link ai.spectrum.selection.SelectionStrategy} (SNR by default), selects the top share of each module type with
 * {@link ai.spectrum.selection.SpectrumSelector}, freezes the rest through {@link ai.spectrum.training.freeze} and
 * re-selects on a {@link ai.spectrum.training.ReselectionSchedule}. Every selection is an immutable
 * {@link ai.spectrum.training.SelectionEvent}, written as JSON lines by {@link ai.spectrum.training.SelectionHistory}.
 */
package ai.spectrum.training;
