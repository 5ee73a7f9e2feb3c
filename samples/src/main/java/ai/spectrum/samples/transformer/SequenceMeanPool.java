package ai.spectrum.samples.transformer;

import ai.spectrum.dl4j.SameDiffBackpropFix;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.Map;

/**
 * Mean of the token vectors {@code [batch, time, size] → [batch, size]} over all positions (no attention mask:
 * for unpadded inputs, e.g. {@code bench-train --model transformer}), as a SameDiff layer so that its backprop is right (DL4J M2.1's {@code SameDiffGraphVertex}
 * backprop is not, see {@link MeanPoolingVertex}). Halves its output gradient like the other layers of the port
 * ({@link SameDiffBackpropFix}).
 */
public final class SequenceMeanPool extends ParameterFreeLayer {
    private long size;

    @SuppressWarnings("unused")
    private SequenceMeanPool() {
    }

    /** @param size the token vector size */
    public SequenceMeanPool(long size) {
        this.size = size;
    }

    public long getSize() {
        return size;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        return SameDiffBackpropFix.halveGradient(sd, sd.mean(x, false, 1));
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(size);
    }
}
