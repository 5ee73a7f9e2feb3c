/**
 * Spectrum for graphs built or imported in SameDiff: {@link ai.spectrum.samediff.SameDiffModules} finds and names
 * the weight matrices of a {@code SameDiff} graph (overridable with a {@link ai.spectrum.samediff.ModuleNaming}) for
 * the analyzer; {@link ai.spectrum.samediff.SpectrumSameDiffTrainer} trains the best-scoring modules with the
 * strategies, selector, schedule and history of {@code ai.spectrum.training}, freezing the rest as constants.
 */
package ai.spectrum.samediff;
