package ai.spectrum.arbiter;

import ai.spectrum.dl4j.Dl4jNetwork;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.Objects;

/** How a trained candidate is scored on the validation data, and whether lower or higher is better. */
public interface SweepScore {
    /** A short name for reports, e.g. {@code validation_loss}. */
    String name();

    /** True when lower scores are better. */
    boolean minimize();

    /**
     * Scores a trained network.
     *
     * @param model      the trained {@code MultiLayerNetwork} or {@code ComputationGraph}
     * @param validation fresh validation data
     */
    double score(Model model, DataSetIterator validation);

    /**
     * The network's loss on the validation data (DL4J's {@code score(DataSet, false)}, including regularisation
     * terms), averaged over examples. Lower is better.
     */
    static SweepScore validationLoss() {
        return new ValidationLoss();
    }

    /** A classification metric of DL4J's {@link Evaluation} on the validation data. Higher is better. */
    static SweepScore metric(Evaluation.Metric metric) {
        return new Metric(Objects.requireNonNull(metric, "metric"));
    }

    /** Example-weighted mean validation loss. */
    record ValidationLoss() implements SweepScore {
        @Override
        public String name() {
            return "validation_loss";
        }

        @Override
        public boolean minimize() {
            return true;
        }

        @Override
        public double score(Model model, DataSetIterator validation) {
            Dl4jNetwork net = Dl4jNetwork.of(model);
            double total = 0;
            long examples = 0;
            while (validation.hasNext()) {
                DataSet batch = validation.next();
                int n = batch.numExamples();
                total += net.score(batch) * n;
                examples += n;
            }
            if (examples == 0) {
                throw new IllegalStateException("the validation data is empty");
            }
            return total / examples;
        }
    }

    /** One {@link Evaluation.Metric}. */
    record Metric(Evaluation.Metric metric) implements SweepScore {
        @Override
        public String name() {
            return metric.name().toLowerCase(java.util.Locale.ROOT);
        }

        @Override
        public boolean minimize() {
            return false;
        }

        @Override
        public double score(Model model, DataSetIterator validation) {
            Evaluation e = Dl4jNetwork.of(model).evaluate(validation, new Evaluation());
            if (e.getNumRowCounter() == 0) {
                throw new IllegalStateException("the validation data is empty");
            }
            return e.scoreForMetric(metric);
        }
    }
}
