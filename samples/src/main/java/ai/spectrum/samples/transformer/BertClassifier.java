package ai.spectrum.samples.transformer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A BERT encoder with a sequence-classification head: masked mean pooling of the last hidden state
 * ({@link MaskedMeanPool}, vertex {@value #POOL}) and a softmax layer ({@value #CLASSIFIER}) trained with
 * cross-entropy. Inputs are {@link BertGraph}'s four; the labels are one-hot {@code [batch, classes]}.
 *
 * <pre>{@code
 * ComputationGraph g = new ComputationGraph(BertClassifier.configuration(config, 8, new Adam(5e-5),
 *         new Adam(1e-3), null, DataType.FLOAT));
 * }</pre>
 */
public final class BertClassifier {
    /** The merge of the last hidden state and the attention mask. */
    public static final String POOL_INPUTS = "pooler.inputs";
    /** The mean-pooling vertex. */
    public static final String POOL = "pooler.mean";
    /** The softmax output layer. */
    public static final String CLASSIFIER = "classifier";

    private BertClassifier() {
    }

    /**
     * The classifier's configuration.
     *
     * @param c               encoder sizes
     * @param classes         number of classes, ≥ 2
     * @param encoderUpdater  updater of the encoder (and adapters unless they set their own)
     * @param headUpdater     updater of the classification layer
     * @param adapters        LoRA adapters on query and value, or null
     * @param dataType        floating-point type (DOUBLE for gradient checks)
     */
    public static ComputationGraphConfiguration configuration(BertConfig c, int classes, IUpdater encoderUpdater,
                                                              IUpdater headUpdater, BertGraph.Adapters adapters,
                                                              DataType dataType) {
        if (classes < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
        }
        ComputationGraphConfiguration.GraphBuilder g = BertGraph.encoder(c, encoderUpdater, dataType, adapters);
        g.addVertex(POOL_INPUTS, new FeatureMergeVertex(), BertGraph.lastHiddenState(c), BertGraph.ATTENTION_MASK);
        g.addLayer(POOL, new MaskedMeanPool(c.hidden()), POOL_INPUTS);
        g.addLayer(CLASSIFIER, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(c.hidden())
                .nOut(classes).activation(Activation.SOFTMAX).updater(headUpdater).build(), POOL);
        g.setOutputs(CLASSIFIER);
        return g.build();
    }
}
