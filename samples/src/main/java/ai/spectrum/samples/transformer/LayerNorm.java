package ai.spectrum.samples.transformer;

import ai.spectrum.dl4j.SameDiffBackpropFix;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Layer normalisation over the last (feature) axis of {@code [batch, time, size]}:
 * {@code (x − mean) / √(var + eps) · gamma + beta}, with the biased variance as PyTorch computes it.
 * {@code gamma} and {@code beta} are declared as bias-type parameters, so weight-matrix analysis skips them.
 */
public final class LayerNorm extends SameDiffLayer {
    /** Scale parameter key (PyTorch {@code weight}). */
    public static final String GAMMA = "gamma";
    /** Shift parameter key (PyTorch {@code bias}). */
    public static final String BETA = "beta";

    private long size;
    private double eps;

    @SuppressWarnings("unused")
    private LayerNorm() {
    }

    /**
     * @param size the feature size
     * @param eps  added to the variance (BERT: 1e-12)
     */
    public LayerNorm(long size, double eps) {
        if (size < 1 || !(eps >= 0)) {
            throw new IllegalArgumentException("need size ≥ 1 and eps ≥ 0, got size=" + size + ", eps=" + eps);
        }
        this.size = size;
        this.eps = eps;
    }

    public long getSize() {
        return size;
    }

    public double getEps() {
        return eps;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
        return SameDiffBackpropFix.halveGradient(sd, normalize(sd, input, input.getShape().length - 1,
                params.get(GAMMA), params.get(BETA), size, eps));
    }

    /** The layer's function over axis {@code last} of {@code x}, for a plain SameDiff graph (no DL4J gradient fix). */
    public static SDVariable normalize(SameDiff sd, SDVariable x, int last, SDVariable gamma, SDVariable beta,
                                       long size, double eps) {
        SDVariable centred = x.sub(sd.mean(x, true, last));
        SDVariable variance = sd.mean(centred.mul(centred), true, last);
        SDVariable normed = centred.div(sd.math.sqrt(variance.add(eps)));
        return normed.mul(sd.reshape(gamma, size)).add(sd.reshape(beta, size));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addBiasParam(GAMMA, 1, size);
        params.addBiasParam(BETA, 1, size);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get(GAMMA).assign(1);
        params.get(BETA).assign(0);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // size is explicit
    }
}
