package ai.spectrum.training.freeze;

import ai.spectrum.dl4j.Dl4jNetwork;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.optimize.api.ConvexOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** {@link NetworkSlots} of a {@link MultiLayerNetwork}; slots are named as {@link Dl4jNetwork} names them. */
final class StackSlots extends NetworkSlots {
    private final MultiLayerNetwork net;

    StackSlots(Dl4jNetwork network) {
        super(network);
        this.net = (MultiLayerNetwork) network.model();
    }

    private int indexOf(String name) {
        int i = layerNames().indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no layer named '" + name + "'");
        }
        return i;
    }

    @Override
    @SuppressWarnings("unchecked")
    void replace(String name, Layer runtime, NeuralNetConfiguration conf) {
        int i = indexOf(name);
        Layer old = net.getLayers()[i];
        net.getLayers()[i] = runtime;
        net.getLayerWiseConfigurations().getConfs().set(i, conf);
        Map<String, Layer> map = (Map<String, Layer>) Dl4jFields.STACK_LAYER_MAP.get(net);
        if (map != null) {
            map.replaceAll((k, v) -> v == old ? runtime : v);
        }
    }

    /** Every parameter of a MultiLayerNetwork belongs to a layer. */
    @Override
    void requireSupported() {
        // nothing to check
    }

    /** MultiLayerNetwork stops backprop at the first FrozenLayer from the top, so only a prefix may be structural. */
    @Override
    Set<String> structurallyFreezable(Set<String> fullyFrozen) {
        Set<String> out = new HashSet<>();
        for (String name : layerNames()) {
            if (!fullyFrozen.contains(name)) {
                break;
            }
            out.add(name);
        }
        return out;
    }

    @Override
    int syncFrozenVertices(Set<String> structuralLayers) {
        return 0;
    }

    @Override
    void initGradientsView() {
        net.initGradientsView();
    }

    @Override
    BaseMultiLayerUpdater<?> currentUpdater() {
        return (BaseMultiLayerUpdater<?>) net.getUpdater(false);
    }

    @Override
    BaseMultiLayerUpdater<?> newUpdater() {
        return new MultiLayerUpdater(net);
    }

    @Override
    void setUpdater(BaseMultiLayerUpdater<?> updater) {
        net.setUpdater(updater);
    }

    @Override
    Trainable[] orderedTrainables() {
        Layer[] layers = net.getLayers();
        Trainable[] out = new Trainable[layers.length];
        System.arraycopy(layers, 0, out, 0, layers.length);
        return out;
    }

    @Override
    INDArray gradientArray() {
        return net.getFlattenedGradients();
    }

    @Override
    void useGradientArray(INDArray gradient) {
        Dl4jFields.STACK_FLATTENED_GRADIENTS.set(net, gradient);
    }

    @Override
    BaseMultiLayerUpdater<?> newCompactUpdater(GradientLayout layout) {
        return new CompactUpdaters.Stack(net, orderedTrainables(), layout);
    }

    @Override
    ConvexOptimizer optimizerIfCreated() {
        return Dl4jFields.STACK_SOLVER.get(net) == null ? null : net.getOptimizer();
    }
}
