package ai.spectrum.samples.bench;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

import java.util.Map;

/**
 * Mean of the token vectors {@code [batch, time, size] → [batch, size]} over all positions (the benchmark's inputs
 * have no padding), as a SameDiff layer so that its backprop is right (DL4J M2.1's {@code SameDiffGraphVertex}
 * backprop is not). Halves its output gradient like the BERT port's layers (DL4J M2.1 doubles SameDiff gradients).
 */
public final class SequenceMeanPool extends SameDiffLayer {
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
        SDVariable mean = sd.mean(x, false, 1);
        SDVariable frozen = new StopGradient(sd, mean).outputVariable();
        return mean.mul(0.5).add(frozen.mul(0.5));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // no parameters
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(size);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // explicit size
    }
}
