package ai.spectrum.samples.samediff;

import ai.spectrum.samediff.ModuleNaming;
import ai.spectrum.samples.transformer.BertConfig;
import ai.spectrum.samples.transformer.BertGraph;
import ai.spectrum.samples.transformer.BertMlm;
import ai.spectrum.samples.transformer.LayerNorm;
import ai.spectrum.samples.transformer.MaskedLmOutput;
import ai.spectrum.samples.transformer.MeanPoolingVertex;
import ai.spectrum.samples.transformer.SelfAttention;
import ai.spectrum.samples.transformer.SequenceDense;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A BERT encoder (and masked-language-model head) as a pure SameDiff graph, built from the same layer functions as
 * the DL4J port ({@link SequenceDense#affine}, {@link SelfAttention#attend}, {@link LayerNorm#normalize},
 * {@link MeanPoolingVertex#pool}, {@link MaskedLmOutput#tokenMeanLoss}) without DL4J's gradient fix, with the
 * weights copied from a {@link BertGraph}/{@link BertMlm} {@code ComputationGraph}. Variables are named
 * {@code <vertex>/kernel} (matrices, including embedding tables), {@code <vertex>/bias}, {@code <vertex>/gamma} and
 * {@code <vertex>/beta} (vectors), so {@link ModuleNaming#byPath()} gives the DL4J port's module names
 * ({@code encoder.layer.3.attention.self.query}) and groups them by the same types. The MLM decoder is the transposed
 * word-embedding table itself (tied, as in BERT), so only its bias is a variable of its own.
 *
 * <p>Placeholders: {@value BertGraph#INPUT_IDS}, {@value BertGraph#POSITION_IDS}, {@value BertGraph#TOKEN_TYPE_IDS}
 * ({@code [batch, time]}, float ids) and {@value BertGraph#ATTENTION_MASK} ({@code [batch, time, 1]}), as the
 * {@code ComputationGraph} takes them, plus {@value #LABELS} for the MLM graph; the sequence length is fixed.
 */
public final class SameDiffBert {
    /** The MLM labels placeholder ({@link MaskedLmOutput}'s layout). */
    public static final String LABELS = "mlm_labels";
    /** The MLM loss: mean cross-entropy per masked token. */
    public static final String LOSS = "mlm_loss";
    /** The last hidden state {@code [batch, time, hidden]}. */
    public static final String LAST_HIDDEN_STATE = "last_hidden_state";
    /** The mean-pooled, unit-length sentence embedding {@code [batch, hidden]}. */
    public static final String SENTENCE_EMBEDDING = BertGraph.SENTENCE_EMBEDDING;
    /** The tied decoder's bias, which trains with the word embeddings. */
    public static final String DECODER_BIAS = BertMlm.DECODER + "/bias";

    private final SameDiff sd = SameDiff.create();
    private final ComputationGraph source;
    private final BertConfig config;
    private final int time;

    private SameDiffBert(ComputationGraph source, BertConfig config, int time) {
        if (time < 2 || time > config.maxPositions()) {
            throw new IllegalArgumentException("sequence length must be in [2, " + config.maxPositions() + "], got "
                    + time);
        }
        this.source = source;
        this.config = config;
        this.time = time;
    }

    /**
     * The encoder with outputs {@value #SENTENCE_EMBEDDING} and {@value #LAST_HIDDEN_STATE}, weights copied from a
     * {@link BertGraph}.
     *
     * @param time the fixed sequence length
     */
    public static SameDiff encoder(ComputationGraph source, BertConfig config, int time) {
        SameDiffBert b = new SameDiffBert(source, config, time);
        SDVariable mask = b.sd.placeHolder(BertGraph.ATTENTION_MASK, DataType.FLOAT, -1, time, 1);
        SDVariable hidden = b.encoderBody(mask);
        b.sd.identity(LAST_HIDDEN_STATE, hidden);
        MeanPoolingVertex.pool(b.sd, hidden, mask, time, true).rename(SENTENCE_EMBEDDING);
        return b.sd;
    }

    /**
     * The encoder with the MLM head and loss {@value #LOSS}, weights copied from a {@link BertMlm} graph, ready to
     * train with the updater (features: the four inputs in {@link BertGraph}'s order; label: {@value #LABELS}).
     *
     * @param time           the fixed sequence length
     * @param maxPredictions masked positions per sequence in the labels
     */
    public static SameDiff mlm(ComputationGraph source, BertConfig config, int time, int maxPredictions,
                               IUpdater updater) {
        SameDiffBert b = new SameDiffBert(source, config, time);
        SDVariable mask = b.sd.placeHolder(BertGraph.ATTENTION_MASK, DataType.FLOAT, -1, time, 1);
        SDVariable hidden = b.encoderBody(mask);
        SDVariable labels = b.sd.placeHolder(LABELS, DataType.FLOAT, -1, 3L * maxPredictions);
        int h = config.hidden();
        SDVariable t = b.dense(BertMlm.TRANSFORM, hidden, h, h, true);
        t = b.layerNorm(BertMlm.TRANSFORM_NORM, t);
        SDVariable table = b.sd.getVariable(BertGraph.WORD_EMBEDDINGS + "/kernel");
        SDVariable bias = b.vector(BertMlm.DECODER, MaskedLmOutput.BIAS, "bias");
        MaskedLmOutput.tokenMeanLoss(b.sd, t, labels, b.sd.transpose(table), bias, time, maxPredictions, h,
                config.vocabSize()).rename(LOSS);
        b.sd.setLossVariables(LOSS);
        b.sd.setTrainingConfig(TrainingConfig.builder()
                .updater(updater)
                .dataSetFeatureMapping(BertGraph.INPUT_IDS, BertGraph.POSITION_IDS, BertGraph.TOKEN_TYPE_IDS,
                        BertGraph.ATTENTION_MASK)
                .dataSetLabelMapping(LABELS)
                .minimize(LOSS)
                .build());
        return b.sd;
    }

    /**
     * The module naming of these graphs: {@link ModuleNaming#byPath()}, except that the tied decoder's bias belongs
     * to the word embeddings (in the DL4J port the tied decoder trains with them).
     */
    public static ModuleNaming naming() {
        ModuleNaming byPath = ModuleNaming.byPath();
        return variable -> variable.equals(DECODER_BIAS)
                ? byPath.moduleOf(BertGraph.WORD_EMBEDDINGS + "/kernel")
                : byPath.moduleOf(variable);
    }

    private SDVariable encoderBody(SDVariable mask) {
        SDVariable ids = sd.placeHolder(BertGraph.INPUT_IDS, DataType.FLOAT, -1, time);
        SDVariable positions = sd.placeHolder(BertGraph.POSITION_IDS, DataType.FLOAT, -1, time);
        SDVariable types = sd.placeHolder(BertGraph.TOKEN_TYPE_IDS, DataType.FLOAT, -1, time);
        SDVariable sum = embed(BertGraph.WORD_EMBEDDINGS, ids)
                .add(embed("embeddings.position_embeddings", positions))
                .add(embed("embeddings.token_type_embeddings", types));
        SDVariable hidden = layerNorm("embeddings.LayerNorm", sum);
        for (int i = 0; i < config.layers(); i++) {
            hidden = block("encoder.layer." + i, hidden, mask);
        }
        return hidden;
    }

    private SDVariable block(String p, SDVariable in, SDVariable mask) {
        int h = config.hidden();
        SDVariable q = dense(p + ".attention.self.query", in, h, h, false);
        SDVariable k = dense(p + ".attention.self.key", in, h, h, false);
        SDVariable v = dense(p + ".attention.self.value", in, h, h, false);
        SDVariable context = SelfAttention.attend(sd, sd.concat(2, q, k, v, mask), time, config.heads(), h);
        SDVariable attention = layerNorm(p + ".attention.output.LayerNorm",
                dense(p + ".attention.output.dense", context, h, h, false).add(in));
        SDVariable inner = dense(p + ".intermediate.dense", attention, h, config.intermediate(), true);
        return layerNorm(p + ".output.LayerNorm",
                dense(p + ".output.dense", inner, config.intermediate(), h, false).add(attention));
    }

    /**
     * Rows of an embedding table as a one-hot product {@code [batch·time, rows] × [rows, hidden]}: bit-identical to a
     * lookup, and differentiable (M2.1's {@code gather} backprop builds a loop of puts that fails with several
     * gathers in one graph: "Unable to replace samediff namespace").
     */
    private SDVariable embed(String vertex, SDVariable ids) {
        SDVariable table = matrix(vertex, "W");
        long rows = table.getArr().size(0);
        SDVariable oneHot = sd.oneHot(sd.reshape(ids, -1).castTo(DataType.INT32), (int) rows).castTo(DataType.FLOAT);
        return sd.reshape(sd.mmul(oneHot, table), -1, time, config.hidden());
    }

    private SDVariable dense(String vertex, SDVariable x, long nIn, long nOut, boolean gelu) {
        return SequenceDense.affine(sd, x, matrix(vertex, SequenceDense.WEIGHT),
                vector(vertex, SequenceDense.BIAS, "bias"), time, nIn, nOut, gelu);
    }

    private SDVariable layerNorm(String vertex, SDVariable x) {
        return LayerNorm.normalize(sd, x, 2, vector(vertex, LayerNorm.GAMMA, "gamma"),
                vector(vertex, LayerNorm.BETA, "beta"), config.hidden(), config.layerNormEps());
    }

    private SDVariable matrix(String vertex, String param) {
        return sd.var(vertex + "/kernel", param(vertex, param));
    }

    private SDVariable vector(String vertex, String param, String leaf) {
        INDArray a = param(vertex, param);
        return sd.var(vertex + "/" + leaf, a.reshape(a.length()));
    }

    private INDArray param(String vertex, String param) {
        GraphVertex v = source.getVertex(vertex);
        if (v == null || !v.hasLayer() || v.getLayer().getParam(param) == null) {
            throw new IllegalArgumentException("the source graph has no parameter " + vertex + "/" + param);
        }
        return v.getLayer().getParam(param).dup('c');
    }
}
