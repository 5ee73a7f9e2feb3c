package ai.spectrum.dl4j;

import ai.spectrum.analysis.ModuleTypes;
import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.WeightInfo;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.evaluation.IEvaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one view of a DL4J network that Spectrum uses: a {@link ComputationGraph} or a {@link MultiLayerNetwork}, with
 * the difference between the two hidden here.
 *
 * <p>Layer slots are the graph's layer vertices in topological order, or the network's layers in order; a
 * MultiLayerNetwork slot is named after its layer's name, or its index when it has none. Weight matrices
 * ({@link #weights()}: the parameters its initializer calls weights, except scalars) are named as
 * {@link NetworkWeights} describes and cached until the network's runtime layers change. Training, scoring and
 * evaluation delegate to DL4J.
 *
 * <pre>{@code
 * Dl4jNetwork net = Dl4jNetwork.of(graph);
 * ScanResult scan = SpectrumAnalyzer.builder().build().scan(net.weights(), ScanProgress.NOOP);
 * }</pre>
 *
 * <p>Not thread-safe; one instance per network.
 */
public abstract sealed class Dl4jNetwork permits GraphNetwork, StackNetwork {
    private Object[] weightsKey = new Object[0];
    private NetworkWeights weights;

    Dl4jNetwork() {
    }

    /**
     * The view of a DL4J model.
     *
     * @throws IllegalArgumentException for anything but a ComputationGraph or MultiLayerNetwork
     */
    public static Dl4jNetwork of(Model model) {
        if (model instanceof ComputationGraph cg) {
            return new GraphNetwork(cg);
        }
        if (model instanceof MultiLayerNetwork mln) {
            return new StackNetwork(mln);
        }
        throw new IllegalArgumentException("Spectrum supports ComputationGraph and MultiLayerNetwork, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    /** The network. */
    public abstract Model model();

    /** The network as DL4J's common training interface. */
    abstract NeuralNetwork neuralNetwork();

    /**
     * The live weight matrices (views of the parameters), in slot order. Built once and rebuilt only after a runtime
     * layer was replaced (a freeze, {@code init()}).
     *
     * @throws IllegalArgumentException if the network has no weight matrices
     */
    public final NetworkWeights weights() {
        Object[] key = structureKey();
        if (weights == null || !sameIdentities(key, weightsKey)) {
            List<NetworkWeights.Entry> out = new ArrayList<>();
            for (String name : layerNames()) {
                addWeights(out, name, layer(name));
            }
            weights = NetworkWeights.of(modelId(), out);
            weightsKey = key;
        }
        return weights;
    }

    /** The runtime layers: a freeze swaps them, {@code init()} and restoring a model create new ones. */
    private Object[] structureKey() {
        Layer[] layers = runtimeLayers();
        return layers == null ? new Object[0] : layers.clone();
    }

    /** The network's runtime layers (DL4J's own array). */
    abstract Layer[] runtimeLayers();

    /** The model id of {@link #weights()}. */
    abstract String modelId();

    private static boolean sameIdentities(Object[] a, Object[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    private static void addWeights(List<NetworkWeights.Entry> out, String layerName, Layer layer) {
        org.deeplearning4j.nn.conf.layers.Layer conf = Wrappers.innermost(layer.conf().getLayer());
        List<String> keys = new ArrayList<>();
        for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
            // a scalar weight (OCNNOutputLayer's r) has no spectrum: it trains with its layer, like a bias
            if (conf.initializer().isWeightParam(conf, p.getKey()) && p.getValue().rank() > 0) {
                keys.add(p.getKey());
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
            out.add(new NetworkWeights.Entry(new WeightInfo(module, type, arr.shape()), layerName, key, arr));
        }
    }

    /** Every layer slot name (including parameterless layers), in backprop-relevant (topological) order. */
    public abstract List<String> layerNames();

    /**
     * The layer slots whose output reaches a slot directly or through vertices without a layer (merge, add, …), in
     * input order; empty for a slot fed only by the network's input.
     *
     * @throws IllegalArgumentException if there is no such slot
     */
    public abstract List<String> feedingLayers(String name);

    /**
     * The current runtime layer of a slot (possibly a freeze wrapper; {@link Wrappers#unfrozen} looks through it).
     *
     * @throws IllegalArgumentException if there is no such slot
     */
    public abstract Layer layer(String name);

    /**
     * The configuration stored for a slot in the network configuration.
     *
     * @throws IllegalArgumentException if there is no such slot
     */
    public abstract NeuralNetConfiguration layerConf(String name);

    /** The key of a parameter's entry in {@code model().gradient().gradientForVariable()}. */
    public abstract String gradientKey(String layerName, String paramKey);

    /**
     * Per slot name, its output in a MultiLayerNetwork forward-pass callback; output layers, which DL4J leaves out,
     * get their input. Empty for a ComputationGraph.
     */
    public abstract Map<String, INDArray> activationsByLayer(List<INDArray> forwardPassActivations);

    /**
     * Per slot name, its output in a ComputationGraph forward-pass callback; output layers, which DL4J leaves out, get
     * their input. Empty for a MultiLayerNetwork.
     */
    public abstract Map<String, INDArray> activationsByLayer(Map<String, INDArray> forwardPassActivations);

    /** Iterations completed so far. */
    public abstract int iterationCount();

    /** Epochs completed so far. */
    public abstract int epochCount();

    /** One epoch of {@code fit} over the data. */
    public final void fit(DataSetIterator data) {
        neuralNetwork().fit(data);
    }

    /** The loss on one minibatch, in inference mode. */
    public abstract double score(DataSet batch);

    /** Evaluates the network on the data with {@code evaluation} and returns it. */
    @SuppressWarnings({"rawtypes", "unchecked"}) // DL4J's doEvaluation takes a raw IEvaluation varargs array
    public final <T extends IEvaluation> T evaluate(DataSetIterator data, T evaluation) {
        return (T) neuralNetwork().doEvaluation(data, new IEvaluation[]{evaluation})[0];
    }

    /**
     * Bytes of optimizer state held by the network's updater (elements × element width); 0 when there is none (no
     * updater yet, or a state-less updater such as SGD).
     */
    public final long updaterStateBytes() {
        INDArray state = neuralNetwork().updaterState();
        return state == null ? 0 : state.length() * state.dataType().width();
    }

    /** Adds training listeners to the network. */
    public final void addListeners(TrainingListener... listeners) {
        model().addListeners(listeners);
    }
}
