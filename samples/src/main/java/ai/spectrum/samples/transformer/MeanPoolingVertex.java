package ai.spectrum.samples.transformer;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Sentence-transformers pooling: the mean of the token vectors {@code [batch, time, size]} over the tokens the
 * attention mask {@code [batch, time, 1]} keeps, then (optionally) scaled to unit L2 norm → {@code [batch, size]}.
 * For inference only: DL4J M2.1's {@code SameDiffGraphVertex} backprop returns stale input gradients.
 */
public final class MeanPoolingVertex extends SameDiffVertex {
    private long size;
    private boolean normalize;

    @SuppressWarnings("unused")
    private MeanPoolingVertex() {
    }

    /**
     * @param size      the token vector size
     * @param normalize whether to scale each sentence vector to unit length
     */
    public MeanPoolingVertex(long size, boolean normalize) {
        this.size = size;
        this.normalize = normalize;
    }

    public long getSize() {
        return size;
    }

    public boolean isNormalize() {
        return normalize;
    }

    @Override
    public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> params,
                                   Map<String, SDVariable> masks) {
        SDVariable tokens = in.get("tokens");
        return pool(sd, tokens, in.get("mask"), tokens.getShape()[1], normalize);
    }

    /** Masked mean of {@code tokens [batch, time, size]} over {@code mask [batch, time(, 1)]}, optionally unit-length. */
    public static SDVariable pool(SameDiff sd, SDVariable tokens, SDVariable maskIn, long time, boolean normalize) {
        SDVariable mask = sd.reshape(maskIn, -1, time, 1);
        SDVariable sum = sd.sum(tokens.mul(mask), false, 1);                 // [B, size]
        SDVariable count = sd.math.max(sd.sum(mask, false, 1), sd.constant(1e-9).castTo(tokens.dataType()));
        SDVariable mean = sum.div(count);
        if (!normalize) {
            return mean;
        }
        SDVariable norm = sd.math.max(sd.norm2(mean, true, 1), sd.constant(1e-12).castTo(tokens.dataType()));
        return mean.div(norm);
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        params.clear();
        params.defineInputs("tokens", "mask");
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // no parameters
    }

    @Override
    public org.deeplearning4j.nn.conf.graph.GraphVertex clone() {
        return new MeanPoolingVertex(size, normalize);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        return InputType.feedForward(size);
    }
}
