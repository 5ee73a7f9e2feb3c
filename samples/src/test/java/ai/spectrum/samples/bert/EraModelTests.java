package ai.spectrum.samples.bert;

import ai.spectrum.io.onnx.OnnxModel;
import ai.spectrum.samples.transformer.BertClassifier;
import ai.spectrum.samples.transformer.BertConfig;
import ai.spectrum.samples.transformer.BertWeights;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The era experiment's encoders load from the langchain4j jars into the DL4J classifier. */
class EraModelTests {
    @Test
    @DisplayName("bge-small-en-v1.5 is a 12-layer, 384-wide BERT whose every weight fills the classifier's encoder")
    void bgeSmallLoads() throws IOException {
        OnnxModel onnx = EraModel.BGE_SMALL.readOnnx();
        BertConfig c = EraModel.BGE_SMALL.config(onnx);
        assertEquals(new BertConfig(30522, 384, 12, 12, 1536, 512, 2, 1e-12), c);
        ComputationGraph g = new ComputationGraph(BertClassifier.configuration(c, 8, new NoOp(), new NoOp(), null,
                DataType.FLOAT));
        g.init();
        BertWeights.copy(onnx, g, v -> v.equals(BertClassifier.CLASSIFIER));
        try (BertTokenizer t = EraModel.BGE_SMALL.tokenizer()) {
            long[] ids = t.encode("The state of the union is strong.");
            assertEquals(101, ids[0], "[CLS]");
            assertEquals(102, ids[ids.length - 1], "[SEP]");
        }
    }

    @Test
    @DisplayName("names parse case-insensitively with - or _, and an unknown name lists the known ones")
    void parse() {
        assertEquals(EraModel.BGE_SMALL, EraModel.parse("bge-small"));
        assertEquals(EraModel.BGE_SMALL, EraModel.parse("BGE_SMALL"));
        assertEquals(EraModel.MINILM, EraModel.parse("MiniLM"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EraModel.parse("bert-base")).getMessage()
                .contains("expected minilm or bge-small"));
    }
}
