package ai.spectrum.samples.bert;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitUtil;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The masked-language-model decoder and loss: logits {@code xW + b} over the vocabulary for every position of
 * {@code [batch, time, hidden]}, and the softmax cross-entropy averaged over the positions the labels select.
 *
 * <p>Labels are {@code [batch, 2·time]}: the first {@code time} columns hold the target token ids, the last
 * {@code time} columns a weight per position (1 = predict this masked token, 0 = ignore). The layer's score is the
 * mean cross-entropy per selected token. The output activations are the logits {@code [batch·time, vocab]}.
 * {@code W [hidden, vocab]} is the transpose of the word embeddings when tied (see {@link TiedEmbeddings}).
 */
public final class MaskedLmOutput extends SameDiffOutputLayer {
    public static final String WEIGHT = "W";
    public static final String BIAS = "b";
    static final String LOGITS = "logits";

    private long hidden;
    private long vocab;

    @SuppressWarnings("unused")
    private MaskedLmOutput() {
    }

    public MaskedLmOutput(long hidden, long vocab) {
        if (hidden < 1 || vocab < 2) {
            throw new IllegalArgumentException("need hidden ≥ 1 and vocab ≥ 2, got " + hidden + ", " + vocab);
        }
        this.hidden = hidden;
        this.vocab = vocab;
    }

    public long getHidden() {
        return hidden;
    }

    public long getVocab() {
        return vocab;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, SDVariable labels, Map<String, SDVariable> params) {
        long time = x.getShape()[1];
        SDVariable flat = sd.reshape(x, -1, hidden);
        SDVariable logits = sd.identity(LOGITS, sd.mmul(flat, params.get(WEIGHT)).add(params.get(BIAS)));
        SDVariable pairs = sd.reshape(labels, -1, 2, time);
        SDVariable ids = sd.reshape(pairs.get(SDIndex.all(), SDIndex.point(0), SDIndex.all()), -1)
                .castTo(DataType.INT32);
        SDVariable weights = sd.reshape(pairs.get(SDIndex.all(), SDIndex.point(1), SDIndex.all()), -1);
        SDVariable perToken = sd.loss.sparseSoftmaxCrossEntropy(logits, ids);
        SDVariable count = sd.math.max(weights.sum(), sd.constant(1.0).castTo(weights.dataType()));
        SDVariable batch = sd.sizeAt(x, 0).castTo(weights.dataType());
        // DL4J divides the score and the gradient by the minibatch size: scale so the score is the token mean
        return perToken.mul(weights).sum().div(count).mul(batch);
    }

    @Override
    public String activationsVertexName() {
        return LOGITS;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addWeightParam(WEIGHT, hidden, vocab);
        params.addBiasParam(BIAS, 1, vocab);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        INDArray w = params.get(WEIGHT);
        WeightInitUtil.initWeights(hidden, vocab, w.shape(), WeightInit.XAVIER, null, 'c', w);
        params.get(BIAS).assign(0);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(vocab);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // sizes are explicit
    }
}
