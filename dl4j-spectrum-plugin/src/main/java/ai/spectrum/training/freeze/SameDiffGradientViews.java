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
    private static final DeclaredField GRADIENTS = new DeclaredField(SameDiffLayer.class, "gradients");
    private static final DeclaredField GRAD_TABLE = new DeclaredField(SameDiffLayer.class, "gradTable");
    private static final DeclaredField OUTPUT_GRADIENTS = new DeclaredField(SameDiffOutputLayer.class, "gradients");
    private static final DeclaredField OUTPUT_GRAD_TABLE = new DeclaredField(SameDiffOutputLayer.class, "gradTable");

    private SameDiffGradientViews() {
    }

    /** Whether {@link #drop} applies to a runtime layer. */
    static boolean applies(Layer layer) {
        return layer instanceof SameDiffLayer || layer instanceof SameDiffOutputLayer;
    }

    static void drop(Layer layer) {
        boolean output = layer instanceof SameDiffOutputLayer;
        (output ? OUTPUT_GRADIENTS : GRADIENTS).set(layer, null);
        (output ? OUTPUT_GRAD_TABLE : GRAD_TABLE).set(layer, null);
    }
}
