/**
 * Readers of model files, each a lazy {@link ai.spectrum.analysis.WeightSource}: safetensors (single file or a
 * sharded {@code model.safetensors.index.json}), numpy {@code .npz} and DL4J {@code ModelSerializer} zips.
 * {@link ai.spectrum.io.ModelFiles} picks the reader for a path. Every reader bound-checks length fields against the
 * file size and reports unreadable input as a {@link ai.spectrum.io.ModelFormatException} naming the file and the
 * problem.
 *
 * <p>This package sits at the edge: it depends on {@code ai.spectrum.analysis}, never the other way round.
 */
package ai.spectrum.io;
