package ai.spectrum.samples.bert;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The parameter-free core of BERT multi-head self-attention: from projected queries, keys and values
 * {@code [batch, time, heads·headSize]} and an attention mask {@code [batch, time]} (1 = token, 0 = padding) it
 * computes {@code softmax(QKᵀ/√headSize + maskBias)·V} per head and concatenates the heads. The projections are
 * separate layers, so each weight matrix can be trained or frozen on its own.
 */
public final class SelfAttentionVertex extends SameDiffVertex {
    /** Added to scores of padding keys; exp() of it underflows to exactly 0 in float32. */
    static final double MASKED_SCORE = -1e9;

    private int heads;
    private long hidden;

    @SuppressWarnings("unused")
    private SelfAttentionVertex() {
    }

    /**
     * @param heads  number of attention heads
     * @param hidden the model width; a multiple of {@code heads}
     */
    public SelfAttentionVertex(int heads, long hidden) {
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
    public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> params,
                                   Map<String, SDVariable> masks) {
        SDVariable q = in.get("query");
        long time = q.getShape()[1];
        long headSize = hidden / heads;
        SDVariable qh = sd.permute(sd.reshape(q, -1, time, heads, headSize), 0, 2, 1, 3);   // [B,H,T,d]
        SDVariable kt = sd.permute(sd.reshape(in.get("key"), -1, time, heads, headSize), 0, 2, 3, 1); // [B,H,d,T]
        SDVariable vh = sd.permute(sd.reshape(in.get("value"), -1, time, heads, headSize), 0, 2, 1, 3);
        SDVariable scores = sd.mmul(qh, kt).div(Math.sqrt(headSize));                       // [B,H,T,T]
        SDVariable keep = sd.reshape(in.get("mask"), -1, 1, 1, time);
        SDVariable bias = keep.rsub(1.0).mul(MASKED_SCORE);
        SDVariable probs = sd.nn.softmax(scores.add(bias), 3);
        SDVariable context = sd.permute(sd.mmul(probs, vh), 0, 2, 1, 3);                    // [B,T,H,d]
        return sd.reshape(context, -1, time, hidden);
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        params.clear();
        params.defineInputs("query", "key", "value", "mask");
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // no parameters
    }

    @Override
    public org.deeplearning4j.nn.conf.graph.GraphVertex clone() {
        return new SelfAttentionVertex(heads, hidden);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        return vertexInputs[0];
    }
}
