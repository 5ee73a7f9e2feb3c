package ai.spectrum.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;

/**
 * The one place that looks through DL4J wrapper layers, in configurations and at runtime.
 *
 * <p>Configuration wrappers: {@code FrozenLayer} (not a {@code BaseWrapperLayer} in DL4J) and every
 * {@code BaseWrapperLayer} ({@code FrozenLayerWithBackprop}, Spectrum's {@code SelectiveFreezeLayer}, …). Runtime
 * wrappers: every runtime {@code BaseWrapperLayer}; of these, DL4J's freeze wrappers ({@code FrozenLayer} and
 * {@code FrozenLayerWithBackprop}, which Spectrum's selective wrapper extends) are what {@link #unfrozen(Layer)}
 * removes.
 */
public final class Wrappers {
    private Wrappers() {
    }

    /** The innermost layer configuration behind frozen and wrapper layers; never null for a non-null argument. */
    public static org.deeplearning4j.nn.conf.layers.Layer innermost(org.deeplearning4j.nn.conf.layers.Layer conf) {
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

    /**
     * The layer configuration behind DL4J's freeze wrappers ({@code FrozenLayer}, {@code FrozenLayerWithBackprop});
     * other wrappers ({@code TimeDistributed}, {@code LastTimeStep}, …) are kept.
     */
    public static org.deeplearning4j.nn.conf.layers.Layer unfrozen(org.deeplearning4j.nn.conf.layers.Layer conf) {
        org.deeplearning4j.nn.conf.layers.Layer c = conf;
        while (true) {
            if (c instanceof FrozenLayer f) {
                c = f.getLayer();
            } else if (c instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop f) {
                c = f.getUnderlying();
            } else {
                return c;
            }
        }
    }

    /** The innermost runtime layer behind every runtime wrapper layer. */
    public static Layer innermost(Layer layer) {
        Layer l = layer;
        while (l instanceof org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer w) {
            l = w.getUnderlying();
        }
        return l;
    }

    /**
     * The runtime layer behind freeze wrappers (DL4J's {@code FrozenLayer} and {@code FrozenLayerWithBackprop},
     * including Spectrum's selective wrapper); other wrappers (e.g. a masking wrapper) are kept.
     */
    public static Layer unfrozen(Layer layer) {
        Layer l = layer;
        while (true) {
            if (l instanceof org.deeplearning4j.nn.layers.FrozenLayer f) {
                l = f.getInsideLayer();
            } else if (l instanceof FrozenLayerWithBackprop f) {
                l = f.getInsideLayer();
            } else {
                return l;
            }
        }
    }
}
