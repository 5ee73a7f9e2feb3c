package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;

/**
 * Lets a DL4J {@link SameDiffLayer} go of its gradient views into an earlier gradient array, as {@link GradientLayout}
 * does for DL4J's own layers, so a frozen SameDiff layer without a gradient segment does not keep the old full-size
 * gradient array alive.
 */
final class SameDiffGradientViews {
    private static final DeclaredField GRADIENTS = new DeclaredField(SameDiffLayer.class, "gradients");
    private static final DeclaredField GRAD_TABLE = new DeclaredField(SameDiffLayer.class, "gradTable");

    private SameDiffGradientViews() {
    }

    static void drop(Layer layer) {
        GRADIENTS.set(layer, null);
        GRAD_TABLE.set(layer, null);
    }
}
