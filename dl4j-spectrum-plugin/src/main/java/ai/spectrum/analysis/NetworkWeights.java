package ai.spectrum.analysis;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The weight matrices of an in-memory model: a DL4J network (built by {@code ai.spectrum.dl4j.Dl4jNetwork}), a
 * {@link SameDiff} instance, or plain named arrays. Arrays are the live parameters (views), not copies.
 *
 * <p>Module names: a layer with one weight parameter is named after its layer (vertex) name; a layer with several
 * (e.g. LSTM {@code W} and {@code RW}) gets {@code layer/param}. Types: a name with an all-digit path component is
 * typed by the path after it (see {@link ModuleTypes#fromPath}); otherwise by layer class and parameter key,
 * e.g. {@code DenseLayer/W}, {@code LSTM/RW}.
 */
public final class NetworkWeights implements WeightSource {
    private final String modelId;
    private final List<Entry> entries;
    private final Map<String, Entry> byName;

    /**
     * One weight parameter of a network.
     *
     * @param info     how it is reported and grouped
     * @param layer    the DL4J layer (vertex) name, or the SameDiff variable / array name
     * @param paramKey the DL4J parameter key ({@code W}, {@code RW}, …), or the variable name for SameDiff and arrays
     * @param array    the live parameter array
     */
    public record Entry(WeightInfo info, String layer, String paramKey, INDArray array) {
        public Entry {
            Objects.requireNonNull(info, "info");
            Objects.requireNonNull(layer, "layer");
            Objects.requireNonNull(paramKey, "paramKey");
            Objects.requireNonNull(array, "array");
        }
    }

    private NetworkWeights(String modelId, List<Entry> entries) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("model '" + modelId + "' has no weight matrices: nothing to analyse");
        }
        this.modelId = modelId;
        this.entries = List.copyOf(entries);
        this.byName = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (byName.put(e.info().name(), e) != null) {
                throw new IllegalArgumentException("duplicate module name '" + e.info().name() + "'");
            }
        }
    }

    /**
     * Weight parameters described by the caller, in order (e.g. a DL4J network's, see
     * {@code ai.spectrum.dl4j.Dl4jNetwork#weights()}).
     *
     * @throws IllegalArgumentException if there are none or two share a module name
     */
    public static NetworkWeights of(String modelId, List<Entry> entries) {
        return new NetworkWeights(Objects.requireNonNull(modelId, "modelId"), entries);
    }

    /** Every trainable SameDiff variable of rank ≥ 2, typed by its name's path. */
    public static NetworkWeights of(SameDiff sd) {
        List<Entry> out = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE && v.getArr() != null && v.getArr().rank() >= 2
                    && v.dataType().isFPType()) {
                out.add(new Entry(new WeightInfo(v.name(), ModuleTypes.fromPath(v.name()), v.getArr().shape()),
                        v.name(), v.name(), v.getArr()));
            }
        }
        return new NetworkWeights("SameDiff", out);
    }

    /** Named arrays (any rank ≥ 1), typed by their names' paths, in the map's iteration order. */
    public static NetworkWeights of(String modelId, Map<String, INDArray> arrays) {
        List<Entry> out = new ArrayList<>();
        arrays.forEach((name, arr) -> out.add(new Entry(new WeightInfo(name, ModuleTypes.fromPath(name), arr.shape()),
                name, name, arr)));
        return new NetworkWeights(modelId, out);
    }

    /** Every entry in order. */
    public List<Entry> entries() {
        return entries;
    }

    /** The entry of a module name; empty if there is no such module. */
    public Optional<Entry> entry(String moduleName) {
        return Optional.ofNullable(byName.get(moduleName));
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public List<WeightInfo> weights() {
        return entries.stream().map(Entry::info).toList();
    }

    @Override
    public INDArray load(WeightInfo info) {
        Entry e = byName.get(info.name());
        if (e == null) {
            throw new IllegalArgumentException("no module named '" + info.name() + "' in " + modelId);
        }
        return e.array();
    }
}
