package ai.spectrum.analysis;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.util.List;

/**
 * A model's weight tensors, listed up front and loaded one at a time so that large files stream.
 * Implementations for files live in {@code ai.spectrum.io}; in-memory networks in {@link NetworkWeights}.
 */
public interface WeightSource extends AutoCloseable {
    /** A short identifier of the model, used in output file names; never null. */
    String modelId();

    /** The tensors in the model's own order; never null. */
    List<WeightInfo> weights();

    /**
     * Loads one tensor listed by {@link #weights()} with its listed shape, in a floating-point type.
     * May be called concurrently from several threads.
     *
     * @throws IOException if the underlying file cannot be read or is corrupt
     */
    INDArray load(WeightInfo info) throws IOException;

    /**
     * Whether {@link #load} returns a new array that nothing else references, which the caller may close once done
     * (file readers); default {@code false} (e.g. a live network's own parameter arrays).
     */
    default boolean loadsFreshArrays() {
        return false;
    }

    @Override
    default void close() throws IOException {
    }
}
