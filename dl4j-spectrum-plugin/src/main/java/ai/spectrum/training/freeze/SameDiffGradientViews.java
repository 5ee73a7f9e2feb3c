package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer;

/**
 * Lets a DL4J {@link SameDiffLayer} or {@link SameDiffOutputLayer} go of its gradient views into an earlier gradient array, as {@link GradientLayout}
 * does for DL4J's own layers, so a frozen SameDiff layer without a gradient segment does not keep the old full-size
 * gradient array alive.
 */
final class SameDiffGradientViews {

    private SameDiffGradientViews() {
    }

    /** Whether {@link #drop} applies to a runtime layer. */
    static boolean applies(Layer layer) {
        return layer instanceof SameDiffLayer || layer instanceof SameDiffOutputLayer;
    }

    static void drop(Layer layer) {
        boolean output = layer instanceof SameDiffOutputLayer;
        (output ? Dl4jFields.SAMEDIFF_OUTPUT_GRADIENTS : Dl4jFields.SAMEDIFF_GRADIENTS).set(layer, null);
        (output ? Dl4jFields.SAMEDIFF_OUTPUT_GRAD_TABLE : Dl4jFields.SAMEDIFF_GRAD_TABLE).set(layer, null);
    }
}
