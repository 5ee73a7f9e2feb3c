package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.params.FrozenLayerParamInitializer;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DL4J's {@code FrozenLayer} as Spectrum's structural freeze (no backprop through the layer), serialised with the
 * network under its own class name so that a restored network tells Spectrum's freeze (which a later selection may
 * undo) from a layer the user froze (which Spectrum keeps frozen, see {@link NetworkFreeze.UserFrozenLayers}).
 *
 * <p>It also counts the wrapped layer's parameters as that layer's initializer does for a full configuration: DL4J's
 * {@code FrozenLayerParamInitializer} asks for the count of the bare layer, which for {@code AutoEncoder} leaves out
 * the visible bias and for {@code VariationalAutoencoder} the decoder, so a saved network with such a layer frozen by
 * DL4J's own {@code FrozenLayer} does not restore ("Invalid parameters: expected length N, got length M").
 */
public final class SpectrumFrozenLayer extends FrozenLayer {
    private static final long serialVersionUID = 1L;

    /** @param layer the frozen layer's configuration */
    public SpectrumFrozenLayer(@JsonProperty("layer") Layer layer) {
        super(layer);
    }

    @Override
    public ParamInitializer initializer() {
        return Params.INSTANCE;
    }

    /** DL4J's frozen-layer initializer with the wrapped layer's full parameter count. */
    private static final class Params extends FrozenLayerParamInitializer {
        static final Params INSTANCE = new Params();

        @Override
        public long numParams(Layer layer) {
            Layer inner = ((FrozenLayer) layer).getLayer();
            NeuralNetConfiguration conf = new NeuralNetConfiguration();
            conf.setLayer(inner);
            return inner.initializer().numParams(conf);
        }
    }
}
