package ai.spectrum.samples.transformer;

import ai.spectrum.dl4j.SameDiffBackpropFix;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.Map;

/**
 * The parameter-free core of BERT multi-head self-attention. Its one input is the feature-axis concatenation
 * {@code [batch, time, 3·hidden + 1]} of the projected queries, keys, values and the attention mask (1 = token,
 * 0 = padding); it computes {@code softmax(QKᵀ/√headSize + maskBias)·V} per head and concatenates the heads. The
 * projections are separate layers, so each weight matrix can be trained or frozen on its own.
 *
 * <p>A layer, not a {@code SameDiffVertex}: DL4J M2.1's {@code SameDiffGraphVertex} returns input gradients read
 * from stale variable arrays (NaN or garbage, found with finite differences).
 */
public final class SelfAttention extends ParameterFreeLayer {
    /** Added to scores of padding keys; exp() of it underflows to exactly 0. */
    static final double MASKED_SCORE = -1e9;

    private int heads;
    private long hidden;

    @SuppressWarnings("unused")
    private SelfAttention() {
    }

    /**
     * @param heads  number of attention heads
     * @param hidden the model width; a multiple of {@code heads}
     */
    public SelfAttention(int heads, long hidden) {
        if (heads < 1 || hidden < 1 || hidden % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hidden + " must be a positive multiple of heads " + heads);
        }
        this.heads = heads;
        this.hidden = hidden;
    }

    public int getHeads() {
        return heads;
    }

    public long getHidden() {
        return hidden;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> params, SDVariable mask) {
        return SameDiffBackpropFix.halveGradient(sd, attend(sd, in, in.getShape()[1], heads, hidden));
    }

    /**
     * The layer's function on the concatenation {@code in [batch, time, 3·hidden + 1]}, for a plain SameDiff graph
     * (no DL4J gradient fix).
     */
    public static SDVariable attend(SameDiff sd, SDVariable in, long time, int heads, long hidden) {
        long headSize = hidden / heads;
        SDVariable q = in.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(0L, hidden));
        SDVariable k = in.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(hidden, 2 * hidden));
        SDVariable v = in.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(2 * hidden, 3 * hidden));
        SDVariable keep = in.get(SDIndex.all(), SDIndex.all(), SDIndex.point(3 * hidden));            // [B,T]
        SDVariable qh = sd.permute(sd.reshape(q, -1, time, heads, headSize), 0, 2, 1, 3);            // [B,H,T,d]
        SDVariable kt = sd.permute(sd.reshape(k, -1, time, heads, headSize), 0, 2, 3, 1);            // [B,H,d,T]
        SDVariable vh = sd.permute(sd.reshape(v, -1, time, heads, headSize), 0, 2, 1, 3);
        SDVariable scores = sd.mmul(qh, kt).div(Math.sqrt(headSize));                                // [B,H,T,T]
        SDVariable bias = sd.reshape(keep, -1, 1, 1, time).rsub(1.0).mul(MASKED_SCORE);
        SDVariable probs = sd.nn.softmax(scores.add(bias)); // last axis
        SDVariable context = sd.permute(sd.mmul(probs, vh), 0, 2, 1, 3);                             // [B,T,H,d]
        return sd.reshape(context, -1, time, hidden);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.recurrent(hidden, org.deeplearning4j.nn.conf.RNNFormat.NWC);
    }
}
