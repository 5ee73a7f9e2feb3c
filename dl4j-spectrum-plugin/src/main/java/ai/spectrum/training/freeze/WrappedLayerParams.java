package ai.spectrum.training.freeze;

import ai.spectrum.dl4j.Wrappers;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.WrapperLayerParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * The parameter initializer of {@link SelectiveFreezeLayer}: DL4J's wrapper initializer, except that the parameter
 * count is the wrapped layer's count for its configuration. DL4J's asks the wrapped initializer's
 * {@code numParams(Layer)}, which for {@code CenterLossOutputLayer} leaves out the class centres (only its
 * {@code numParams(NeuralNetConfiguration)} counts them), so a saved network with a frozen centre-loss layer would not
 * restore ("Invalid parameters: expected length N, got length N+centres").
 */
final class WrappedLayerParams implements ParamInitializer {
    static final WrappedLayerParams INSTANCE = new WrappedLayerParams();
    private static final WrapperLayerParamInitializer DL4J = WrapperLayerParamInitializer.getInstance();

    private WrappedLayerParams() {
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        Layer inner = Wrappers.innermost(layer);
        NeuralNetConfiguration conf = new NeuralNetConfiguration();
        conf.setLayer(inner);
        return inner.initializer().numParams(conf);
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return DL4J.paramKeys(layer);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return DL4J.weightKeys(layer);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return DL4J.biasKeys(layer);
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return DL4J.isWeightParam(layer, key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return DL4J.isBiasParam(layer, key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        return DL4J.init(conf, paramsView, initializeParams);
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return DL4J.getGradientsFromFlattened(conf, gradientView);
    }
}
