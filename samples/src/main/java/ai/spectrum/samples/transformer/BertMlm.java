package ai.spectrum.samples.transformer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A BERT encoder with a masked-language-model head: {@code cls.predictions.transform.dense} (GELU),
 * {@code cls.predictions.transform.LayerNorm} and the {@link MaskedLmOutput} decoder
 * {@value #DECODER}, whose weight is tied to the word embeddings by {@link TiedEmbeddings}.
 */
public final class BertMlm {
    public static final String TRANSFORM = "cls.predictions.transform.dense";
    public static final String TRANSFORM_NORM = "cls.predictions.transform.LayerNorm";
    public static final String DECODER = "cls.predictions.decoder";

    private BertMlm() {
    }

    public static ComputationGraphConfiguration configuration(BertConfig c, IUpdater updater) {
        return configuration(c, updater, DataType.FLOAT);
    }

    /** The MLM graph configuration in a chosen floating-point type (DOUBLE for gradient checks). */
    public static ComputationGraphConfiguration configuration(BertConfig c, IUpdater updater, DataType dataType) {
        ComputationGraphConfiguration.GraphBuilder g = BertGraph.encoder(c, updater, dataType);
        g.addLayer(TRANSFORM, new SequenceDense(c.hidden(), c.hidden(), true), BertGraph.lastHiddenState(c));
        g.addLayer(TRANSFORM_NORM, new LayerNorm(c.hidden(), c.layerNormEps()), TRANSFORM);
        g.addLayer(DECODER, new MaskedLmOutput(c.hidden(), c.vocabSize()), TRANSFORM_NORM);
        g.setOutputs(DECODER);
        return g.build();
    }

    /** A new MLM graph (random weights), and the listener that ties its decoder, already synchronised. */
    public static ComputationGraph create(BertConfig c, IUpdater updater) {
        ComputationGraph graph = new ComputationGraph(configuration(c, updater));
        graph.init();
        TiedEmbeddings tie = tie();
        tie.sync(graph);
        graph.addListeners(tie);
        return graph;
    }

    /** The tie between {@link BertGraph#WORD_EMBEDDINGS} and {@link #DECODER}. */
    public static TiedEmbeddings tie() {
        return new TiedEmbeddings(BertGraph.WORD_EMBEDDINGS, DECODER);
    }
}
