/**
 * Spectrum for Deeplearning4j: score weight matrices by their signal-to-noise ratio and train only the strongest
 * modules of each type.
 *
 * <p>Data flows one way: {@link ai.spectrum.analysis} (singular values and SNR) → {@link ai.spectrum.selection}
 * (which modules to train) → {@code ai.spectrum.training} (freezing inside DL4J training). {@code ai.spectrum.io}
 * (model files) and {@link ai.spectrum.report} (result files) sit at the edge. {@link ai.spectrum.Provenance} is
 * attached to every result. {@code ArchitectureTests} enforces these rules.
 */
package ai.spectrum;
