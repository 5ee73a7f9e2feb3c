package ai.spectrum.analysis;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The weight matrices of an in-memory model: a DL4J {@link ComputationGraph} or {@link MultiLayerNetwork}, a
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

    /** Every weight parameter of a ComputationGraph's layer vertices, in topological order. */
    public static NetworkWeights of(ComputationGraph graph) {
        List<Entry> out = new ArrayList<>();
        int[] order = graph.topologicalSortOrder();
        GraphVertex[] vertices = graph.getVertices();
        for (int idx : order) {
            GraphVertex v = vertices[idx];
            if (v.hasLayer()) {
                addLayer(out, v.getVertexName(), v.getLayer());
            }
        }
        return new NetworkWeights("ComputationGraph", out);
    }

    /** Every weight parameter of a MultiLayerNetwork; unnamed layers get DL4J's default names ({@code layer0}, …). */
    public static NetworkWeights of(MultiLayerNetwork net) {
        List<Entry> out = new ArrayList<>();
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            String name = unwrap(layers[i].conf().getLayer()).getLayerName();
            addLayer(out, name == null ? Integer.toString(i) : name, layers[i]);
        }
        return new NetworkWeights("MultiLayerNetwork", out);
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

    /**
     * Prepared entries, for model kinds named and typed by their own rules (e.g. a SameDiff graph with a user-given
     * module naming).
     *
     * @throws IllegalArgumentException if there are no entries or two share a module name
     */
    public static NetworkWeights ofEntries(String modelId, List<Entry> entries) {
        return new NetworkWeights(Objects.requireNonNull(modelId, "modelId"), entries);
    }

    /** Named arrays (any rank ≥ 1), typed by their names' paths, in the map's iteration order. */
    public static NetworkWeights of(String modelId, Map<String, INDArray> arrays) {
        List<Entry> out = new ArrayList<>();
        arrays.forEach((name, arr) -> out.add(new Entry(new WeightInfo(name, ModuleTypes.fromPath(name), arr.shape()),
                name, name, arr)));
        return new NetworkWeights(modelId, out);
    }

    private static void addLayer(List<Entry> out, String layerName, Layer layer) {
        org.deeplearning4j.nn.conf.layers.Layer conf = unwrap(layer.conf().getLayer());
        List<String> keys = new ArrayList<>();
        for (String key : layer.paramTable().keySet()) {
            if (conf.initializer().isWeightParam(conf, key)) {
                keys.add(key);
            }
        }
        for (String key : keys) {
            String module = keys.size() == 1 ? layerName : layerName + "/" + key;
            String byPath = ModuleTypes.fromPath(layerName);
            String type;
            if (!byPath.equals(layerName)) {
                type = keys.size() == 1 ? byPath : byPath + "/" + key;
            } else {
                type = conf.getClass().getSimpleName() + "/" + key;
            }
            INDArray arr = layer.getParam(key);
            out.add(new Entry(new WeightInfo(module, type, arr.shape()), layerName, key, arr));
        }
    }

    /** The innermost layer configuration behind frozen and wrapper layers. */
    static org.deeplearning4j.nn.conf.layers.Layer unwrap(org.deeplearning4j.nn.conf.layers.Layer conf) {
        org.deeplearning4j.nn.conf.layers.Layer c = conf;
        while (true) {
            if (c instanceof FrozenLayer f) {
                c = f.getLayer();
            } else if (c instanceof BaseWrapperLayer w) {
                c = w.getUnderlying();
            } else {
                return c;
            }
        }
    }

    /** Every entry in order. */
    public List<Entry> entries() {
        return entries;
    }

    /** The entry of a module name, or null. */
    public Entry entry(String moduleName) {
        return byName.get(moduleName);
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
