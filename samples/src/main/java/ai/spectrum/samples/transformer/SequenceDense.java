package ai.spectrum.samples.transformer;

import ai.spectrum.dl4j.SameDiffBackpropFix;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.weights.WeightInitUtil;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Map;

/**
 * A position-wise linear layer on a sequence {@code [batch, time, nIn] → [batch, time, nOut]}: {@code y = act(xW + b)}
 * with one weight matrix {@code W [nIn, nOut]} (the layout of an ONNX {@code MatMul} operand) and bias
 * {@code b [1, nOut]}. The activation is the identity or exact (erf) GELU, as in BERT.
 *
 * <p>The sequence length is fixed by the first input the layer sees (DL4J builds the SameDiff graph once).
 */
public final class SequenceDense extends SameDiffLayer {
    /** Weight parameter key. */
    public static final String WEIGHT = "W";
    /** Bias parameter key. */
    public static final String BIAS = "b";

    /** Named as its getter's JSON property, so that a saved configuration reads back (DL4J's Jackson mapper). */
    @JsonProperty("nin")
    private long nIn;
    @JsonProperty("nout")
    private long nOut;
    private boolean gelu;

    /** For JSON deserialization and cloning. */
    @SuppressWarnings("unused")
    private SequenceDense() {
    }

    /**
     * @param nIn  input features
     * @param nOut output features
     * @param gelu whether to apply exact GELU after the affine map
     */
    public SequenceDense(long nIn, long nOut, boolean gelu) {
        if (nIn < 1 || nOut < 1) {
            throw new IllegalArgumentException("sizes must be ≥ 1, got nIn=" + nIn + ", nOut=" + nOut);
        }
        this.nIn = nIn;
        this.nOut = nOut;
        this.gelu = gelu;
    }

    public long getNIn() {
        return nIn;
    }

    public long getNOut() {
        return nOut;
    }

    public boolean isGelu() {
        return gelu;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        return SameDiffBackpropFix.halveGradient(sd,
                affine(sd, x, params.get(WEIGHT), params.get(BIAS), x.getShape()[1], nIn, nOut, gelu));
    }

    /**
     * The layer's function on {@code x [batch, time, nIn]} with weight {@code w [nIn, nOut]} and bias {@code b}
     * ({@code [nOut]} or {@code [1, nOut]}), for a plain SameDiff graph (no DL4J gradient fix).
     */
    public static SDVariable affine(SameDiff sd, SDVariable x, SDVariable w, SDVariable b, long time, long nIn,
                                    long nOut, boolean gelu) {
        SDVariable flat = sd.reshape(x, -1, nIn);
        SDVariable y = sd.mmul(flat, w).add(b);
        if (gelu) {
            y = Gelu.exact(sd, y);
        }
        return sd.reshape(y, -1, time, nOut);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        defineAffine(params, nIn, nOut);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initializeAffine(params, nIn, nOut);
    }

    /** Declares only an affine map's parameters: weight {@code [nIn, nOut]}, bias {@code [1, nOut]}. */
    static void defineAffine(SDLayerParams params, long nIn, long nOut) {
        params.clear();
        params.addWeightParam(WEIGHT, nIn, nOut);
        params.addBiasParam(BIAS, 1, nOut);
    }

    /** Initialises an affine map's parameters: Xavier weight (DL4J's {@code WeightInitUtil}), zero bias. */
    static void initializeAffine(Map<String, INDArray> params, long nIn, long nOut) {
        INDArray w = params.get(WEIGHT);
        WeightInitUtil.initWeights(nIn, nOut, w.shape(), org.deeplearning4j.nn.weights.WeightInit.XAVIER, null, 'c', w);
        params.get(BIAS).assign(0);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.recurrent(nOut, org.deeplearning4j.nn.conf.RNNFormat.NWC);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // sizes are explicit
    }
}
