package ai.spectrum.training.freeze;

import ai.spectrum.analysis.NetworkWeights;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one place that knows whether a network is a {@link ComputationGraph} or a {@link MultiLayerNetwork}: layer
 * slots in backprop-relevant order, swapping a slot's runtime layer and configuration together, the gradient view,
 * the updater, and which fully frozen layers may be frozen structurally (no backprop at all).
 */
public interface ModelAdapter {

    /**
     * The adapter for a DL4J model.
     *
     * @throws IllegalArgumentException for anything but a ComputationGraph or MultiLayerNetwork
     */
    static ModelAdapter of(Model model) {
        if (model instanceof ComputationGraph cg) {
            return new GraphAdapter(cg);
        }
        if (model instanceof MultiLayerNetwork mln) {
            return new MultiLayerAdapter(mln);
        }
        throw new IllegalArgumentException("Spectrum training supports ComputationGraph and MultiLayerNetwork, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    /** The adapted model. */
    Model model();

    /** The live weight matrices, named as {@link NetworkWeights} names them. */
    NetworkWeights weights();

    /** Every layer slot (vertex / index) name, in topological order, including parameterless layers. */
    List<String> layerNames();

    /** The current runtime layer of a slot (possibly a frozen wrapper). */
    Layer layer(String name);

    /** The configuration currently stored for a slot in the network configuration. */
    NeuralNetConfiguration layerConf(String name);

    /** Replaces a slot's runtime layer and its stored configuration together. */
    void replace(String name, Layer runtime, NeuralNetConfiguration conf);

    /**
     * The subset of {@code fullyFrozen} layers that can be swapped to DL4J's {@code FrozenLayer}: backprop would never
     * need to pass through them (closed under ancestors, and no vertex left without an incoming gradient).
     */
    Set<String> structurallyFreezable(Set<String> fullyFrozen);

    /** Re-allocates the flattened gradient array and re-binds every layer's gradient views. */
    void initGradientsView();

    /** The installed updater, or null if none was created yet. */
    BaseMultiLayerUpdater<?> currentUpdater();

    /** A new updater built from the current layers (freshly initialised state). */
    BaseMultiLayerUpdater<?> newUpdater();

    /** Installs an updater for the next iteration. */
    void install(BaseMultiLayerUpdater<?> updater);

    /**
     * The last updater installed through {@link #install}, or null: its optimizer state survives DL4J dropping the
     * network's updater (e.g. {@code MultiLayerNetwork.clear()}, a failed {@code setLearningRate}).
     */
    BaseMultiLayerUpdater<?> lastInstalled();

    /** The layers with parameters in the order of the flattened parameter (and updater) arrays. */
    org.deeplearning4j.nn.api.Trainable[] orderedTrainables();

    /** The network's flattened gradient array, or null if none was allocated yet. */
    INDArray gradientArray();

    /** Makes {@code gradient} the network's flattened gradient array (without re-binding any layer). */
    void useGradientArray(INDArray gradient);

    /** A compact updater over a {@link GradientLayout} already bound to the network. */
    BaseMultiLayerUpdater<?> newCompactUpdater(GradientLayout layout);

    /**
     * Whether the compact gradient can be used: DL4J's stochastic gradient descent without a gradient accumulator
     * (parallel/distributed training hands the full gradient to the accumulator).
     */
    default boolean supportsCompactGradient() {
        org.deeplearning4j.nn.api.OptimizationAlgorithm algo = model().conf().getOptimizationAlgo();
        if (algo != org.deeplearning4j.nn.api.OptimizationAlgorithm.STOCHASTIC_GRADIENT_DESCENT) {
            return false;
        }
        org.deeplearning4j.optimize.api.ConvexOptimizer o = optimizerIfCreated();
        return o == null || o.getGradientsAccumulator() == null;
    }

    /** The network's optimizer, or null if DL4J has not created its solver yet. */
    org.deeplearning4j.optimize.api.ConvexOptimizer optimizerIfCreated();

    /** The key of a parameter's entry in {@code model.gradient().gradientForVariable()}. */
    String gradientKey(String layerName, String paramKey);

    /** Per layer name, its output in a forward-pass callback (for output layers, which DL4J leaves out, their input). */
    Map<String, INDArray> activationsByLayer(Object forwardPassActivations);

    /** The network's iteration count (iterations completed so far). */
    int iterationCount();

    /** The network's epoch count (epochs completed so far). */
    int epochCount();
}
