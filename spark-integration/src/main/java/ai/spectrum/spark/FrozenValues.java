package ai.spectrum.spark;

import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Copies of a network's frozen parameters, to put back after parameter averaging.
 *
 * <p>Averaging N identical copies of a value is not always that value in floating point (the sum of three copies
 * may round, and dividing it by three need not give the value back), so with a worker count that is not a power of
 * two the average of a frozen parameter can move by one ulp. Restoring the driver's copy keeps frozen parameters
 * exactly frozen whatever the number of workers.
 *
 * @param entries one per frozen parameter
 */
record FrozenValues(List<Entry> entries) {
    FrozenValues {
        entries = List.copyOf(entries);
    }

    /**
     * @param layer the runtime layer holding the parameter
     * @param key   its parameter key (e.g. {@code W})
     * @param value a detached copy
     */
    record Entry(Layer layer, String key, INDArray value) {
    }

    /**
     * Writes the copies back into the layers' current parameter views.
     *
     * @return how many elements differed before (0 when averaging kept every frozen value)
     */
    long restore() {
        long changed = 0;
        for (Entry e : entries) {
            INDArray live = e.layer().getParam(e.key());
            changed += live.neq(e.value()).castTo(DataType.INT64).sumNumber().longValue();
            live.assign(e.value());
        }
        return changed;
    }

    /** Number of frozen elements held. */
    long elements() {
        return entries.stream().mapToLong(e -> e.value().length()).sum();
    }
}
