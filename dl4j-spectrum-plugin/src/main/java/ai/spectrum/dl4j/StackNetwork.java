package ai.spectrum.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Dl4jNetwork} of a {@link MultiLayerNetwork}: slots are the layers in order, named after the (innermost)
 * layer configuration's name, or their index when unnamed.
 */
final class StackNetwork extends Dl4jNetwork {
    private final MultiLayerNetwork net;

    StackNetwork(MultiLayerNetwork net) {
        this.net = net;
    }

    @Override
    public Model model() {
        return net;
    }

    @Override
    NeuralNetwork neuralNetwork() {
        return net;
    }

    @Override
    Layer[] runtimeLayers() {
        return net.getLayers();
    }

    @Override
    String modelId() {
        return "MultiLayerNetwork";
    }

    @Override
    public List<String> layerNames() {
        List<String> out = new ArrayList<>();
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            String name = Wrappers.innermost(layers[i].conf().getLayer()).getLayerName();
            out.add(name == null ? Integer.toString(i) : name);
        }
        return out;
    }

    /**
     * The index of a slot.
     *
     * @throws IllegalArgumentException if there is no such slot
     */
    int indexOf(String name) {
        int i = layerNames().indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no layer named '" + name + "'");
        }
        return i;
    }

    @Override
    public List<String> feedingLayers(String name) {
        int i = indexOf(name);
        return i == 0 ? List.of() : List.of(layerNames().get(i - 1));
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
    public String gradientKey(String layerName, String paramKey) {
        return indexOf(layerName) + "_" + paramKey;
    }

    @Override
    public Map<String, INDArray> activationsByLayer(List<INDArray> forwardPassActivations) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        List<String> names = layerNames();
        // element 0 is the input; element i+1 is layer i's output
        for (int i = 0; i < names.size(); i++) {
            // the output layer is not in DL4J's forward-pass list: use its input instead
            int k = i + 1 < forwardPassActivations.size() ? i + 1 : forwardPassActivations.size() - 1;
            if (k >= 0) {
                out.put(names.get(i), forwardPassActivations.get(k));
            }
        }
        return out;
    }

    @Override
    public Map<String, INDArray> activationsByLayer(Map<String, INDArray> forwardPassActivations) {
        return Map.of();
    }

    @Override
    public int iterationCount() {
        return net.getIterationCount();
    }

    @Override
    public int epochCount() {
        return net.getEpochCount();
    }

    @Override
    public double score(DataSet batch) {
        return net.score(batch, false);
    }
}
