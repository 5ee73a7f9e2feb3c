package ai.spectrum.arbiter;

import org.deeplearning4j.nn.api.Model;

/**
 * Builds the user's network for one candidate. Must return an initialised {@code MultiLayerNetwork} or
 * {@code ComputationGraph}; a fresh one per call, since the sweep trains and then closes it.
 */
@FunctionalInterface
public interface ModelFactory {
    /**
     * @param candidate the candidate's settings (read user hyperparameters with
     *                  {@link SweepCandidate#hyperparameter(String)})
     * @param seed      the sweep seed, to pass to the network configuration for reproducible runs
     */
    Model create(SweepCandidate candidate, long seed);
}
