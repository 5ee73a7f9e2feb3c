package ai.spectrum.samples.bert;

import ai.spectrum.io.onnx.OnnxModel;
import ai.spectrum.samples.transformer.BertConfig;

import java.io.IOException;

/** The pretrained encoders of the era experiment, read from the langchain4j jars on the class path. */
public enum EraModel {
    /** all-MiniLM-L6-v2: 6 layers, 384 wide, 12 heads (22.7 M parameters). */
    MINILM("all-MiniLM-L6-v2 (langchain4j ONNX)");

    private final String description;

    EraModel(String description) {
        this.description = description;
    }

    /** For provenance. */
    public String description() {
        return description;
    }

    /** The ONNX model. */
    OnnxModel readOnnx() throws IOException {
        return SentenceEncoder.readAllMiniLmL6V2();
    }

    /** The sizes, read from the model. */
    BertConfig config(OnnxModel onnx) {
        return BertConfig.fromOnnx(onnx, 12);
    }

    /** The model's tokenizer. */
    BertTokenizer tokenizer() throws IOException {
        return BertTokenizer.allMiniLmL6V2();
    }
}
