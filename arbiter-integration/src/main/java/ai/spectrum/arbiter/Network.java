package ai.spectrum.arbiter;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.evaluation.IEvaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;

/**
 * Hides the MultiLayerNetwork / ComputationGraph difference from the rest of the package: what both share goes
 * through DL4J's {@link NeuralNetwork}; the two methods outside it are bound per type in {@link #of}.
 */
@SuppressWarnings({"rawtypes", "unchecked"}) // DL4J's doEvaluation takes a raw IEvaluation varargs array
final class Network {
    private final Model model;
    private final NeuralNetwork net;
    private final ToDoubleFunction<DataSet> score;
    private final ToIntFunction<Model> iterations;

    private Network(Model model, NeuralNetwork net, ToDoubleFunction<DataSet> score, ToIntFunction<Model> iterations) {
        this.model = model;
        this.net = net;
        this.score = score;
        this.iterations = iterations;
    }

    static Network of(Model model) {
        if (model instanceof MultiLayerNetwork mln) {
            return new Network(mln, mln, b -> mln.score(b, false), m -> mln.getIterationCount());
        }
        if (model instanceof ComputationGraph cg) {
            return new Network(cg, cg, b -> cg.score(b, false), m -> cg.getIterationCount());
        }
        throw new IllegalArgumentException("expected a MultiLayerNetwork or ComputationGraph, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    Model model() {
        return model;
    }

    void fit(DataSetIterator data) {
        net.fit(data);
    }

    double score(DataSet batch) {
        return score.applyAsDouble(batch);
    }

    <T extends IEvaluation> T evaluate(DataSetIterator data, T evaluation) {
        return (T) net.doEvaluation(data, new IEvaluation[]{evaluation})[0];
    }

    int iterationCount() {
        return iterations.applyAsInt(model);
    }

    INDArray updaterState() {
        return net.updaterState();
    }

    /** Bytes of optimizer state; 0 when there is none (no updater yet, or a state-less updater). */
    long updaterStateBytes() {
        INDArray state = updaterState();
        return state == null ? 0 : state.length() * state.dataType().width();
    }

    void addListeners(TrainingListener... listeners) {
        model.addListeners(listeners);
    }
}
