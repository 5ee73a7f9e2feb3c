package ai.spectrum.arbiter;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.evaluation.IEvaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** Hides the MultiLayerNetwork / ComputationGraph difference from the rest of the package. */
@SuppressWarnings({"rawtypes", "unchecked"}) // DL4J's doEvaluation takes a raw IEvaluation varargs array
abstract sealed class Network {
    static Network of(Model model) {
        if (model instanceof MultiLayerNetwork mln) {
            return new Mln(mln);
        }
        if (model instanceof ComputationGraph cg) {
            return new Graph(cg);
        }
        throw new IllegalArgumentException("expected a MultiLayerNetwork or ComputationGraph, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    abstract Model model();

    abstract void fit(DataSetIterator data);

    abstract double score(DataSet batch);

    abstract <T extends IEvaluation> T evaluate(DataSetIterator data, T evaluation);

    abstract int iterationCount();

    abstract INDArray updaterState();

    /** Bytes of optimizer state; 0 when there is none (no updater yet, or a state-less updater). */
    long updaterStateBytes() {
        INDArray state = updaterState();
        return state == null ? 0 : state.length() * state.dataType().width();
    }

    void addListeners(TrainingListener... listeners) {
        model().addListeners(listeners);
    }

    private static final class Mln extends Network {
        private final MultiLayerNetwork net;

        Mln(MultiLayerNetwork net) {
            this.net = net;
        }

        @Override
        Model model() {
            return net;
        }

        @Override
        void fit(DataSetIterator data) {
            net.fit(data);
        }

        @Override
        double score(DataSet batch) {
            return net.score(batch, false);
        }

        @Override
        <T extends IEvaluation> T evaluate(DataSetIterator data, T evaluation) {
            return net.doEvaluation(data, evaluation)[0];
        }

        @Override
        int iterationCount() {
            return net.getIterationCount();
        }

        @Override
        INDArray updaterState() {
            return net.updaterState();
        }
    }

    private static final class Graph extends Network {
        private final ComputationGraph net;

        Graph(ComputationGraph net) {
            this.net = net;
        }

        @Override
        Model model() {
            return net;
        }

        @Override
        void fit(DataSetIterator data) {
            net.fit(data);
        }

        @Override
        double score(DataSet batch) {
            return net.score(batch, false);
        }

        @Override
        <T extends IEvaluation> T evaluate(DataSetIterator data, T evaluation) {
            return net.doEvaluation(data, evaluation)[0];
        }

        @Override
        int iterationCount() {
            return net.getIterationCount();
        }

        @Override
        INDArray updaterState() {
            return net.updaterState();
        }
    }
}
