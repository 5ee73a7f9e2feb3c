package ai.spectrum.samples.transformer;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The masked-language-model decoder and loss. Only the predicted positions are decoded (BERT's
 * {@code max_predictions_per_seq} trick, which saves most of the {@code hidden × vocab} work): the rows of
 * {@code [batch, time, hidden]} the labels name are gathered, turned into logits {@code xW + b} over the vocabulary,
 * and scored by softmax cross-entropy averaged over the real predictions.
 *
 * <p>Labels are {@code [batch, 3·k]} for at most {@code k} predictions per sequence: the first {@code k} columns hold
 * the position of each prediction in its sequence, the next {@code k} the
 * target token ids, the last {@code k} a weight (1 = a real prediction, 0 = padding of the list). The score is the
 * mean cross-entropy per real prediction. The output activations are the layer's input (compute logits from them
 * with {@code W} and {@code b} if needed). {@code W [hidden, vocab]} is the transpose of the word embeddings when
 * tied (see {@link TiedEmbeddings}).
 */
public final class MaskedLmOutput extends SameDiffOutputLayer {
    /** Decoder weight key (the same as {@link SequenceDense#WEIGHT}: its parameters are declared there). */
    public static final String WEIGHT = SequenceDense.WEIGHT;
    /** Decoder bias key (the same as {@link SequenceDense#BIAS}). */
    public static final String BIAS = SequenceDense.BIAS;

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
        SDVariable batch = sd.sizeAt(x, 0).castTo(x.dataType());
        // DL4J divides the score and the gradient by the minibatch size: scale so the score is the token mean
        return tokenMeanLoss(sd, x, labels, params.get(WEIGHT), params.get(BIAS), x.getShape()[1],
                labels.getShape()[1] / 3, hidden, vocab).mul(batch);
    }

    /**
     * The mean masked-token cross-entropy of {@code x [batch, time, hidden]} against {@code labels [batch, 3·k]}
     * with decoder {@code w [hidden, vocab]} and bias {@code b}, for a plain SameDiff graph.
     */
    public static SDVariable tokenMeanLoss(SameDiff sd, SDVariable x, SDVariable labels, SDVariable w, SDVariable b,
                                           long time, long k, long hidden, long vocab) {
        SDVariable triples = sd.reshape(labels, -1, 3, k);
        SDVariable positions = triples.get(SDIndex.all(), SDIndex.point(0), SDIndex.all()).castTo(DataType.INT32);
        SDVariable ids = sd.reshape(triples.get(SDIndex.all(), SDIndex.point(1), SDIndex.all()), -1)
                .castTo(DataType.INT32);
        SDVariable weights = sd.reshape(triples.get(SDIndex.all(), SDIndex.point(2), SDIndex.all()), -1);
        // select the predicted rows with a one-hot [batch, k, time] batched product (not sd.gather, whose
        // backprop did not pass a finite-difference check in M2.1)
        SDVariable select = sd.oneHot(positions, (int) time).castTo(x.dataType());
        SDVariable picked = sd.reshape(sd.mmul(select, x), -1, hidden);           // [batch·k, hidden]
        SDVariable logits = sd.mmul(picked, w).add(b);
        // Not sd.loss.sparseSoftmaxCrossEntropy: its M2.1 backprop ignores the incoming gradient, so per-token
        // weights and any scaling of its output are lost (measured: gradient check off by orders of magnitude).
        SDVariable logProbs = sd.nn.logSoftmax(logits); // last axis (the dimension overload fails in M2.1)
        SDVariable perToken = sd.sum(logProbs.mul(sd.oneHot(ids, (int) vocab).castTo(logProbs.dataType())), false, 1)
                .neg();
        SDVariable count = sd.math.max(weights.sum(), sd.constant(1.0).castTo(weights.dataType()));
        return perToken.mul(weights).sum().div(count);
    }

    @Override
    public String activationsVertexName() {
        return org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer.INPUT_KEY;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        SequenceDense.defineAffine(params, hidden, vocab);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        SequenceDense.initializeAffine(params, hidden, vocab);
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
