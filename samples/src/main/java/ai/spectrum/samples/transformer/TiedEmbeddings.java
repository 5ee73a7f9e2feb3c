package ai.spectrum.samples.transformer;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Objects;

/**
 * Ties a decoder matrix {@code D [hidden, vocab]} to the word embeddings {@code E [vocab, hidden]} ({@code D = Eᵀ}),
 * which DL4J cannot share between two layers. Before the updater runs ({@code onGradientCalculation}) the decoder's
 * raw gradient is added, transposed, to the embeddings' gradient and then zeroed, so {@code E} takes the summed
 * gradient of both uses and {@code D} (with zero gradient, zero optimizer state) does not move; after the update
 * ({@code iterationDone}) {@code Eᵀ} is copied into {@code D}. If the embeddings are frozen (no gradient), the
 * decoder's gradient is just zeroed, so the pair stays tied and fixed.
 *
 * <p>Register it before any listener that reads or masks gradients; call {@link #sync(Model)} once before training.
 */
public final class TiedEmbeddings extends BaseTrainingListener {
    private final String embeddingVertex;
    private final String embeddingParam;
    private final String decoderVertex;
    private final String decoderParam;

    /**
     * @param embeddingVertex the vertex holding {@code E [vocab, hidden]} as its {@code W}
     * @param decoderVertex   the vertex holding {@code D [hidden, vocab]} as its {@code W}
     */
    public TiedEmbeddings(String embeddingVertex, String decoderVertex) {
        this.embeddingVertex = Objects.requireNonNull(embeddingVertex, "embeddingVertex");
        this.decoderVertex = Objects.requireNonNull(decoderVertex, "decoderVertex");
        this.embeddingParam = "W";
        this.decoderParam = MaskedLmOutput.WEIGHT;
    }

    /** Copies {@code Eᵀ} into {@code D}. */
    public void sync(Model model) {
        INDArray e = param(model, embeddingVertex, embeddingParam);
        INDArray d = param(model, decoderVertex, decoderParam);
        d.assign(e.transpose());
    }

    @Override
    public void onGradientCalculation(Model model) {
        Gradient g = model.gradient();
        if (g == null) {
            return;
        }
        Map<String, INDArray> grads = g.gradientForVariable();
        INDArray dGrad = grads.get(decoderVertex + "_" + decoderParam);
        if (dGrad == null) {
            return; // decoder frozen
        }
        INDArray eGrad = grads.get(embeddingVertex + "_" + embeddingParam);
        if (eGrad != null) {
            eGrad.addi(dGrad.transpose());
        }
        dGrad.assign(0);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        sync(model);
    }

    private static INDArray param(Model model, String vertex, String param) {
        INDArray p = model.getParam(vertex + "_" + param);
        if (p == null) {
            throw new IllegalArgumentException("model has no parameter " + vertex + "_" + param);
        }
        return p;
    }
}
