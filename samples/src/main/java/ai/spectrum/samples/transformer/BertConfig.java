package ai.spectrum.samples.transformer;

import ai.spectrum.io.onnx.OnnxModel;
import ai.spectrum.io.onnx.OnnxTensor;

/**
 * The sizes of a BERT encoder.
 *
 * @param vocabSize        word-piece vocabulary size
 * @param hidden           model width
 * @param layers           number of transformer blocks
 * @param heads            attention heads per block
 * @param intermediate     feed-forward inner width
 * @param maxPositions     number of learned positions
 * @param typeVocabSize    number of token types (segments)
 * @param layerNormEps     LayerNorm epsilon
 */
public record BertConfig(int vocabSize, int hidden, int layers, int heads, int intermediate, int maxPositions,
                         int typeVocabSize, double layerNormEps) {
    public BertConfig {
        if (vocabSize < 1 || hidden < 1 || layers < 1 || heads < 1 || intermediate < 1 || maxPositions < 1
                || typeVocabSize < 1) {
            throw new IllegalArgumentException("all sizes must be ≥ 1: " + this);
        }
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hidden + " is not a multiple of heads " + heads);
        }
    }

    /**
     * Reads the sizes from a BERT ONNX export's initializers (PyTorch names, as exported by {@code transformers}).
     * The head count is not stored in the weights, so it is given.
     *
     * @throws IllegalArgumentException if an expected initializer is missing
     */
    public static BertConfig fromOnnx(OnnxModel model, int heads) {
        long[] words = dims(model, "embeddings.word_embeddings.weight");
        long[] positions = dims(model, "embeddings.position_embeddings.weight");
        long[] types = dims(model, "embeddings.token_type_embeddings.weight");
        long[] inner = dims(model, "encoder.layer.0.intermediate.dense.bias");
        int layers = 0;
        while (model.initializer("encoder.layer." + layers + ".output.LayerNorm.weight").isPresent()) {
            layers++;
        }
        return new BertConfig((int) words[0], (int) words[1], layers, heads, (int) inner[0], (int) positions[0],
                (int) types[0], 1e-12);
    }

    private static long[] dims(OnnxModel model, String name) {
        return model.initializer(name).map(OnnxTensor::dims).orElseThrow(() -> new IllegalArgumentException(
                "not a BERT export: no initializer '" + name + "'"));
    }
}
