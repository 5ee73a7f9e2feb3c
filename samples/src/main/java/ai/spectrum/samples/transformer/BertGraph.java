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
    /** Suffix of a LoRA adapter vertex ({@link Adapters}). */
    public static final String LORA = ".lora";
    /** Suffix of the vertex that adds an adapter to its projection. */
    public static final String ADAPTED = ".adapted";

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
        return encoder(c, updater, dataType, null);
    }

    /**
     * LoRA adapters on every block's attention query and value projections: vertex {@code X.lora} (a
     * {@link LowRankAdapter} reading the projection's input) is added to projection {@code X}'s output in vertex
     * {@code X.adapted}, which feeds the attention instead of {@code X}. Freezing everything but the adapters (and a
     * head) is the caller's part.
     *
     * @param rank    adapter rank, ≥ 1
     * @param alpha   LoRA scale numerator ({@code alpha / rank} scales the update)
     * @param updater the adapters' updater, or null for the graph's
     */
    public record Adapters(int rank, double alpha, IUpdater updater) {
        public Adapters {
            if (rank < 1 || !(alpha > 0)) {
                throw new IllegalArgumentException("adapter rank must be ≥ 1 and alpha > 0, got " + rank + ", " + alpha);
            }
        }
    }

    /** As {@link #encoder(BertConfig, IUpdater, DataType)} with LoRA adapters, or none if {@code adapters} is null. */
    public static ComputationGraphConfiguration.GraphBuilder encoder(BertConfig c, IUpdater updater,
                                                                     DataType dataType, Adapters adapters) {
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
            hidden = block(g, c, "encoder.layer." + i, hidden, adapters);
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

    private static String block(ComputationGraphConfiguration.GraphBuilder g, BertConfig c, String p, String in,
                                Adapters adapters) {
        int h = c.hidden();
        g.addLayer(p + ".attention.self.query", new SequenceDense(h, h, false), in);
        g.addLayer(p + ".attention.self.key", new SequenceDense(h, h, false), in);
        g.addLayer(p + ".attention.self.value", new SequenceDense(h, h, false), in);
        String query = adapt(g, p + ".attention.self.query", in, h, adapters);
        String value = adapt(g, p + ".attention.self.value", in, h, adapters);
        g.addVertex(p + ".attention.self.inputs", new FeatureMergeVertex(),
                query, p + ".attention.self.key", value, ATTENTION_MASK);
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

    /** Adds {@code projection.lora} and {@code projection.adapted}; returns the vertex to read instead. */
    private static String adapt(ComputationGraphConfiguration.GraphBuilder g, String projection, String in, int h,
                                Adapters adapters) {
        if (adapters == null) {
            return projection;
        }
        LowRankAdapter lora = new LowRankAdapter(h, h, adapters.rank(), adapters.alpha());
        if (adapters.updater() != null) {
            lora.setUpdater(adapters.updater());
        }
        g.addLayer(projection + LORA, lora, in);
        g.addVertex(projection + ADAPTED, new ElementWiseVertex(ElementWiseVertex.Op.Add), projection,
                projection + LORA);
        return projection + ADAPTED;
    }

    private static EmbeddingSequenceLayer embedding(int rows, int width) {
        return new EmbeddingSequenceLayer.Builder().nIn(rows).nOut(width).hasBias(false)
                .outputDataFormat(RNNFormat.NWC).build();
    }
}
