/**
 * Samples of Spectrum for DL4J and the {@code spectrum} jar's entry point
 * ({@link ai.spectrum.samples.SpectrumSamples}), which adds the demos and benchmarks to the product's command.
 */
package ai.spectrum.samples;
