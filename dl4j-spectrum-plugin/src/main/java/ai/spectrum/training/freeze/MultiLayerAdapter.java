package ai.spectrum.training.freeze;

import ai.spectrum.analysis.NetworkWeights;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.optimize.api.ConvexOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@link ModelAdapter} for a {@link MultiLayerNetwork}; layer slots are named as {@link NetworkWeights} names them. */
final class MultiLayerAdapter implements ModelAdapter {
    private static final DeclaredField LAYER_MAP = new DeclaredField(MultiLayerNetwork.class, "layerMap");
    private static final DeclaredField FLATTENED_GRADIENTS =
            new DeclaredField(MultiLayerNetwork.class, "flattenedGradients");
    private static final DeclaredField SOLVER = new DeclaredField(MultiLayerNetwork.class, "solver");

    private final MultiLayerNetwork net;
    private BaseMultiLayerUpdater<?> installed;

    MultiLayerAdapter(MultiLayerNetwork net) {
        this.net = net;
    }

    @Override
    public Model model() {
        return net;
    }

    @Override
    public NetworkWeights weights() {
        return NetworkWeights.of(net);
    }

    @Override
    public List<String> layerNames() {
        List<String> out = new ArrayList<>();
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            out.add(nameOf(layers[i], i));
        }
        return out;
    }

    private static String nameOf(Layer layer, int index) {
        org.deeplearning4j.nn.conf.layers.Layer c = layer.conf().getLayer();
        while (c instanceof BaseWrapperLayer w) {
            c = w.getUnderlying();
        }
        if (c instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer f) {
            c = f.getLayer();
        }
        return c.getLayerName() == null ? Integer.toString(index) : c.getLayerName();
    }

    private int indexOf(String name) {
        int i = layerNames().indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no layer named '" + name + "'");
        }
        return i;
    }

    @Override
    public Layer layer(String name) {
        return net.getLayer(indexOf(name));
    }

    @Override
    public NeuralNetConfiguration layerConf(String name) {
        return net.getLayerWiseConfigurations().getConf(indexOf(name));
    }

    @Override
    @SuppressWarnings("unchecked")
    public void replace(String name, Layer runtime, NeuralNetConfiguration conf) {
        int i = indexOf(name);
        Layer old = net.getLayers()[i];
        net.getLayers()[i] = runtime;
        net.getLayerWiseConfigurations().getConfs().set(i, conf);
        Map<String, Layer> map = (Map<String, Layer>) LAYER_MAP.get(net);
        if (map != null) {
            map.replaceAll((k, v) -> v == old ? runtime : v);
        }
    }

    /** MultiLayerNetwork stops backprop at the first FrozenLayer from the top, so only a prefix may be structural. */
    @Override
    public Set<String> structurallyFreezable(Set<String> fullyFrozen) {
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
    public void initGradientsView() {
        net.initGradientsView();
    }

    @Override
    public BaseMultiLayerUpdater<?> currentUpdater() {
        return (BaseMultiLayerUpdater<?>) net.getUpdater(false);
    }

    @Override
    public BaseMultiLayerUpdater<?> newUpdater() {
        return new MultiLayerUpdater(net);
    }

    @Override
    public void install(BaseMultiLayerUpdater<?> updater) {
        net.setUpdater(updater);
        installed = updater;
    }

    @Override
    public BaseMultiLayerUpdater<?> lastInstalled() {
        return installed;
    }

    @Override
    public Trainable[] orderedTrainables() {
        Layer[] layers = net.getLayers();
        Trainable[] out = new Trainable[layers.length];
        System.arraycopy(layers, 0, out, 0, layers.length);
        return out;
    }

    @Override
    public INDArray gradientArray() {
        return net.getFlattenedGradients();
    }

    @Override
    public void useGradientArray(INDArray gradient) {
        FLATTENED_GRADIENTS.set(net, gradient);
    }

    @Override
    public BaseMultiLayerUpdater<?> newCompactUpdater(GradientLayout layout) {
        return new CompactUpdaters.Stack(net, orderedTrainables(), layout);
    }

    @Override
    public ConvexOptimizer optimizerIfCreated() {
        return SOLVER.get(net) == null ? null : net.getOptimizer();
    }

    @Override
    public String gradientKey(String layerName, String paramKey) {
        return indexOf(layerName) + "_" + paramKey;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, INDArray> activationsByLayer(Object forwardPassActivations) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (forwardPassActivations instanceof List<?> list) {
            List<String> names = layerNames();
            // element 0 is the input; element i+1 is layer i's output
            for (int i = 0; i < names.size(); i++) {
                // the output layer is not in DL4J's forward-pass list: use its input instead
                int k = i + 1 < list.size() ? i + 1 : list.size() - 1;
                if (k >= 0) {
                    out.put(names.get(i), (INDArray) list.get(k));
                }
            }
        }
        return out;
    }

    @Override
    public int iterationCount() {
        return net.getIterationCount();
    }

    @Override
    public int epochCount() {
        return net.getEpochCount();
    }
}
