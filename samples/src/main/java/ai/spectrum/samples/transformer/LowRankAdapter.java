package ai.spectrum.samples.transformer;

import ai.spectrum.dl4j.SameDiffBackpropFix;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * A LoRA adapter (Hu et al. 2021) on a sequence: {@code [batch, time, nIn] → [batch, time, nOut]},
 * {@code y = (alpha / rank) · x·A·B} with {@code A [nIn, rank]} and {@code B [rank, nOut]}. Added to the output of
 * the frozen projection it adapts ({@code W + (alpha/rank)·A·B}, see {@link BertGraph.Adapters}). {@code A} starts
 * Gaussian with standard deviation {@code 1/√nIn}, {@code B} at zero, so an adapted network starts equal to its base.
 */
public final class LowRankAdapter extends SameDiffLayer {
    /** Down-projection key. */
    public static final String A = "A";
    /** Up-projection key (starts at zero). */
    public static final String B = "B";

    private long nIn;
    private long nOut;
    private int rank;
    private double alpha;

    @SuppressWarnings("unused")
    private LowRankAdapter() {
    }

    /**
     * @param nIn   input features
     * @param nOut  output features
     * @param rank  adapter rank, ≥ 1
     * @param alpha scale numerator (the update is scaled by {@code alpha / rank}); &gt; 0
     */
    public LowRankAdapter(long nIn, long nOut, int rank, double alpha) {
        if (nIn < 1 || nOut < 1 || rank < 1 || !(alpha > 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("need sizes and rank ≥ 1 and a finite alpha > 0, got nIn=" + nIn
                    + ", nOut=" + nOut + ", rank=" + rank + ", alpha=" + alpha);
        }
        this.nIn = nIn;
        this.nOut = nOut;
        this.rank = rank;
        this.alpha = alpha;
    }

    public long getNIn() {
        return nIn;
    }

    public long getNOut() {
        return nOut;
    }

    public int getRank() {
        return rank;
    }

    public double getAlpha() {
        return alpha;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        long time = x.getShape()[1];
        SDVariable flat = sd.reshape(x, -1, nIn);
        SDVariable y = sd.mmul(sd.mmul(flat, params.get(A)), params.get(B)).mul(alpha / rank);
        return SameDiffBackpropFix.halveGradient(sd, sd.reshape(y, -1, time, nOut));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addWeightParam(A, nIn, rank);
        params.addWeightParam(B, rank, nOut);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        INDArray a = params.get(A);
        a.assign(Nd4j.randn(a.dataType(), a.shape()).muli(1.0 / Math.sqrt(nIn)));
        params.get(B).assign(0);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.recurrent(nOut, RNNFormat.NWC);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // sizes are explicit
    }
}
