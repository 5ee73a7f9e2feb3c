package ai.spectrum.dl4j;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/**
 * Works around DL4J 1.0.0-M2.1 returning twice the true gradient from {@code SameDiffLayer} (and
 * {@code SameDiffVertex}) backprop, for the parameters and for the epsilon passed down (measured with finite
 * differences, see the samples' {@code MaskedLmTests}; a stack of n such layers is off by 2ⁿ). Every
 * {@code SameDiffLayer} or {@code SameDiffVertex} trained in M2.1 needs it: rewrite the layer output in
 * {@code defineLayer} / {@code defineVertex} as
 *
 * <pre>{@code
 * return SameDiffBackpropFix.halveGradient(sd, output);
 * }</pre>
 *
 * <p>{@code ½·y + ½·stopGradient(y)}: the forward value is bit-identical (halving is exact in binary floating point),
 * the gradient through it is halved, which cancels the doubling. Remove it once DL4J fixes the doubling.
 */
public final class SameDiffBackpropFix {
    private SameDiffBackpropFix() {
    }

    /** {@code y} with the same value and half the gradient flowing back through it. */
    public static SDVariable halveGradient(SameDiff sd, SDVariable y) {
        SDVariable frozen = new StopGradient(sd, y).outputVariable();
        return y.mul(0.5).add(frozen.mul(0.5));
    }
}
