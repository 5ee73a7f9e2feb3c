package ai.spectrum.training.freeze;

import ai.spectrum.dl4j.Dl4jNetwork;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.OptimizationAlgorithm;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.optimize.api.ConvexOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Set;

/**
 * What the freeze changes in a {@link Dl4jNetwork}, for which DL4J has no public API or none common to
 * {@code ComputationGraph} and {@code MultiLayerNetwork}: swapping a slot's runtime layer and configuration together,
 * the gradient array, the updater and the optimizer. Reading goes through {@link Dl4jNetwork}; the private DL4J fields
 * touched here are in {@link Dl4jFields}. Getters of things DL4J creates lazily return null before they exist.
 */
abstract class NetworkSlots {
    private final Dl4jNetwork network;
    private BaseMultiLayerUpdater<?> installed;

    NetworkSlots(Dl4jNetwork network) {
        this.network = network;
    }

    static NetworkSlots of(Dl4jNetwork network) {
        return network.model() instanceof ComputationGraph ? new GraphSlots(network) : new StackSlots(network);
    }

    final Dl4jNetwork network() {
        return network;
    }

    final Model model() {
        return network.model();
    }

    final List<String> layerNames() {
        return network.layerNames();
    }

    final Layer layer(String name) {
        return network.layer(name);
    }

    final NeuralNetConfiguration layerConf(String name) {
        return network.layerConf(name);
    }

    /**
     * Whether the user froze a slot's layer before Spectrum saw it: its stored configuration is (or wraps) DL4J's
     * {@code FrozenLayer} or {@code FrozenLayerWithBackprop} — e.g. from {@code TransferLearning.setFeatureExtractor}
     * — rather than Spectrum's own freeze ({@link SpectrumFrozenLayer}, {@link SelectiveFreezeLayer}).
     */
    final boolean frozenByUser(String name) {
        org.deeplearning4j.nn.conf.layers.Layer c = layerConf(name).getLayer();
        while (true) {
            if (c instanceof SpectrumFrozenLayer f) {
                c = f.getLayer();
            } else if (c instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer
                    || c instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop) {
                return true;
            } else if (c instanceof org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer w) {
                c = w.getUnderlying();
            } else {
                return false;
            }
        }
    }

    /**
     * Checks that the freeze can control every parameter of the network.
     *
     * @throws UnsupportedOperationException naming the first part it cannot freeze
     */
    abstract void requireSupported();

    /** Replaces a slot's runtime layer and its stored configuration together. */
    abstract void replace(String name, Layer runtime, NeuralNetConfiguration conf);

    /**
     * The subset of {@code fullyFrozen} layers that can be swapped to DL4J's {@code FrozenLayer}: backprop would never
     * need to pass through them (closed under ancestors; the non-layer vertices among them are frozen by
     * {@link #syncFrozenVertices}).
     */
    abstract Set<String> structurallyFreezable(Set<String> fullyFrozen);

    /**
     * Freezes structurally the non-layer vertices that sit only on {@code structuralLayers} (no backprop through them)
     * and restores the others, runtime and configuration together; a no-op for networks without such vertices.
     *
     * @return number of vertices swapped
     */
    abstract int syncFrozenVertices(Set<String> structuralLayers);

    /** Re-allocates the flattened gradient array and re-binds every layer's gradient views. */
    abstract void initGradientsView();

    /** The installed updater, or null if none was created yet. */
    abstract BaseMultiLayerUpdater<?> currentUpdater();

    /** A new updater built from the current layers (freshly initialised state). */
    abstract BaseMultiLayerUpdater<?> newUpdater();

    /** Installs an updater for the next iteration. */
    final void install(BaseMultiLayerUpdater<?> updater) {
        setUpdater(updater);
        installed = updater;
    }

    abstract void setUpdater(BaseMultiLayerUpdater<?> updater);

    /**
     * The last updater installed through {@link #install}, or null: its optimizer state survives DL4J dropping the
     * network's updater (e.g. {@code MultiLayerNetwork.clear()}, a failed {@code setLearningRate}).
     */
    final BaseMultiLayerUpdater<?> lastInstalled() {
        return installed;
    }

    /** The layers with parameters in the order of the flattened parameter (and updater) arrays. */
    abstract Trainable[] orderedTrainables();

    /** The network's flattened gradient array, or null if none was allocated yet. */
    abstract INDArray gradientArray();

    /** Makes {@code gradient} the network's flattened gradient array (without re-binding any layer). */
    abstract void useGradientArray(INDArray gradient);

    /** A compact updater over a {@link GradientLayout} already bound to the network. */
    abstract BaseMultiLayerUpdater<?> newCompactUpdater(GradientLayout layout);

    /**
     * Whether the compact gradient can be used: DL4J's stochastic gradient descent without a gradient accumulator
     * (parallel/distributed training hands the full gradient to the accumulator).
     */
    final boolean supportsCompactGradient() {
        if (model().conf().getOptimizationAlgo() != OptimizationAlgorithm.STOCHASTIC_GRADIENT_DESCENT) {
            return false;
        }
        ConvexOptimizer o = optimizerIfCreated();
        return o == null || o.getGradientsAccumulator() == null;
    }

    /** The network's optimizer, or null if DL4J has not created its solver yet. */
    abstract ConvexOptimizer optimizerIfCreated();
}
