package ai.spectrum.samples.transformer;

import ai.spectrum.dl4j.SameDiffBackpropFix;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.Map;

/**
 * Masked mean pooling as a trainable-path layer: its one input is the feature-axis concatenation
 * {@code [batch, time, size + 1]} of the token vectors and the attention mask (1 = token, 0 = padding, as
 * {@link FeatureMergeVertex} builds it); the output is the mean of the kept token vectors, {@code [batch, size]}.
 * Unlike {@link MeanPoolingVertex} it backpropagates correctly (a layer, not a {@code SameDiffVertex}), so a
 * classification head can be trained through it.
 */
public final class MaskedMeanPool extends ParameterFreeLayer {
    private long size;

    @SuppressWarnings("unused")
    private MaskedMeanPool() {
    }

    /** @param size the token vector size */
    public MaskedMeanPool(long size) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be ≥ 1, got " + size);
        }
        this.size = size;
    }

    public long getSize() {
        return size;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> params, SDVariable mask) {
        long time = in.getShape()[1];
        SDVariable tokens = in.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(0L, size));
        SDVariable keep = sd.reshape(in.get(SDIndex.all(), SDIndex.all(), SDIndex.point(size)), -1, time, 1);
        SDVariable sum = sd.sum(tokens.mul(keep), false, 1);                                       // [B, size]
        SDVariable count = sd.math.max(sd.sum(keep, false, 1), sd.constant(1e-9).castTo(in.dataType()));
        return SameDiffBackpropFix.halveGradient(sd, sum.div(count));
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(size);
    }
}
