/**
 * Which modules to train: the original tool's per-type top-k% rule
 * ({@link ai.spectrum.selection.SpectrumSelector}), producing an immutable {@link ai.spectrum.selection.Selection}.
 * {@link ai.spectrum.selection.SelectionOptions} holds the selection options the Spectrum builders share.
 */
package ai.spectrum.selection;
