/**
 * Singular values and Spectrum's signal-to-noise ratio of weight matrices.
 *
 * <p>{@link ai.spectrum.analysis.SpectrumAnalyzer} scores the tensors of a {@link ai.spectrum.analysis.WeightSource}
 * (a model file, or an in-memory network through {@link ai.spectrum.analysis.NetworkWeights}).
 * {@link ai.spectrum.analysis.SingularValues} computes spectra through LAPACK in float64;
 * {@link ai.spectrum.analysis.SnrMath} turns a spectrum into the reported value. Depends on no other package of
 * this library.
 */
package ai.spectrum.analysis;
