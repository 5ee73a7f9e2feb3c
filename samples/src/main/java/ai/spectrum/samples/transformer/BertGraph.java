package ai.spectrum.samples.transformer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Builds a BERT encoder as a DL4J {@link ComputationGraph} whose vertices carry the PyTorch module paths, so the
 * analyzer's path typing groups them like the original tool ({@code encoder.layer.3.attention.self.query} →
 * type {@code attention.self.query}). Every Q/K/V/O and feed-forward projection is its own {@link SequenceDense}
 * vertex holding one weight matrix.
 *
 * <p>Inputs, float arrays: {@value #INPUT_IDS}, {@value #POSITION_IDS},
 * {@value #TOKEN_TYPE_IDS} as {@code [batch, time]}, and {@value #ATTENTION_MASK} as {@code [batch, time, 1]}. Outputs, in order: {@value #SENTENCE_EMBEDDING} (masked mean,
 * L2-normalised, {@code [batch, hidden]}) and the last hidden state ({@code [batch, time, hidden]}, vertex
 * {@link #lastHiddenState(BertConfig)}). Activations use the layout {@code [batch, time, features]}.
 */
public final class BertGraph {
    public static final String INPUT_IDS = "input_ids";
    public static final String POSITION_IDS = "position_ids";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String SENTENCE_EMBEDDING = "sentence_embedding";
    /** Seed of the random initialisation. */
    public static final long SEED = 12345;
    /** The word-embedding vertex ({@code W [vocab, hidden]}). */
    public static final String WORD_EMBEDDINGS = "embeddings.word_embeddings";

    private BertGraph() {
    }

    /** The graph configuration, with a {@link NoOp} updater (set another for training). */
    public static ComputationGraphConfiguration configuration(BertConfig c) {
        return configuration(c, new NoOp());
    }

    /** The graph configuration with this updater on every layer. */
    public static ComputationGraphConfiguration configuration(BertConfig c, IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder g = encoder(c, updater);
        String hidden = lastHiddenState(c);
        g.addVertex(SENTENCE_EMBEDDING, new MeanPoolingVertex(c.hidden(), true), hidden, ATTENTION_MASK);
        g.setOutputs(SENTENCE_EMBEDDING, hidden);
        return g.build();
    }

    /**
     * A graph builder holding the four inputs and the encoder up to {@link #lastHiddenState(BertConfig)}, for heads
     * to be added to.
     */
    public static ComputationGraphConfiguration.GraphBuilder encoder(BertConfig c, IUpdater updater) {
        return encoder(c, updater, DataType.FLOAT);
    }

    /**
     * As {@link #encoder(BertConfig, IUpdater)} with a chosen floating-point type (DOUBLE for gradient checks).
     * Random initialisation is seeded ({@value #SEED}).
     */
    public static ComputationGraphConfiguration.GraphBuilder encoder(BertConfig c, IUpdater updater,
                                                                     DataType dataType) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(SEED)
                .dataType(dataType)
                .updater(updater)
                .graphBuilder()
                .addInputs(INPUT_IDS, POSITION_IDS, TOKEN_TYPE_IDS, ATTENTION_MASK);
        g.addLayer(WORD_EMBEDDINGS, embedding(c.vocabSize(), c.hidden()), INPUT_IDS);
        g.addLayer("embeddings.position_embeddings", embedding(c.maxPositions(), c.hidden()), POSITION_IDS);
        g.addLayer("embeddings.token_type_embeddings", embedding(c.typeVocabSize(), c.hidden()), TOKEN_TYPE_IDS);
        g.addVertex("embeddings.sum", new ElementWiseVertex(ElementWiseVertex.Op.Add),
                WORD_EMBEDDINGS, "embeddings.position_embeddings", "embeddings.token_type_embeddings");
        g.addLayer("embeddings.LayerNorm", new LayerNorm(c.hidden(), c.layerNormEps()), "embeddings.sum");
        String hidden = "embeddings.LayerNorm";
        for (int i = 0; i < c.layers(); i++) {
            hidden = block(g, c, "encoder.layer." + i, hidden);
        }
        return g;
    }

    /** The vertex whose output is the last hidden state: the last block's output LayerNorm. */
    public static String lastHiddenState(BertConfig c) {
        return "encoder.layer." + (c.layers() - 1) + ".output.LayerNorm";
    }

    /** A new, randomly initialised encoder. */
    public static ComputationGraph create(BertConfig c) {
        ComputationGraph graph = new ComputationGraph(configuration(c));
        graph.init();
        return graph;
    }

    private static String block(ComputationGraphConfiguration.GraphBuilder g, BertConfig c, String p, String in) {
        int h = c.hidden();
        g.addLayer(p + ".attention.self.query", new SequenceDense(h, h, false), in);
        g.addLayer(p + ".attention.self.key", new SequenceDense(h, h, false), in);
        g.addLayer(p + ".attention.self.value", new SequenceDense(h, h, false), in);
        g.addVertex(p + ".attention.self.inputs", new FeatureMergeVertex(),
                p + ".attention.self.query", p + ".attention.self.key", p + ".attention.self.value", ATTENTION_MASK);
        g.addLayer(p + ".attention.self", new SelfAttention(c.heads(), h), p + ".attention.self.inputs");
        g.addLayer(p + ".attention.output.dense", new SequenceDense(h, h, false), p + ".attention.self");
        g.addVertex(p + ".attention.output.residual", new ElementWiseVertex(ElementWiseVertex.Op.Add),
                p + ".attention.output.dense", in);
        g.addLayer(p + ".attention.output.LayerNorm", new LayerNorm(h, c.layerNormEps()),
                p + ".attention.output.residual");
        g.addLayer(p + ".intermediate.dense", new SequenceDense(h, c.intermediate(), true),
                p + ".attention.output.LayerNorm");
        g.addLayer(p + ".output.dense", new SequenceDense(c.intermediate(), h, false), p + ".intermediate.dense");
        g.addVertex(p + ".output.residual", new ElementWiseVertex(ElementWiseVertex.Op.Add),
                p + ".output.dense", p + ".attention.output.LayerNorm");
        g.addLayer(p + ".output.LayerNorm", new LayerNorm(h, c.layerNormEps()), p + ".output.residual");
        return p + ".output.LayerNorm";
    }

    private static EmbeddingSequenceLayer embedding(int rows, int width) {
        return new EmbeddingSequenceLayer.Builder().nIn(rows).nOut(width).hasBias(false)
                .outputDataFormat(RNNFormat.NWC).build();
    }
}
