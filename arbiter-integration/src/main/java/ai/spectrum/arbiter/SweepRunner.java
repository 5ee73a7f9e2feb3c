package ai.spectrum.arbiter;

import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;

import java.util.concurrent.TimeUnit;

/**
 * Arbiter's local runner, plus the clean-up it lacks: beta7 never shuts down the executor that relays task
 * completions, so each runner would leave an idle thread behind.
 */
final class SweepRunner extends LocalOptimizationRunner implements AutoCloseable {
    SweepRunner(int concurrency, OptimizationConfiguration config, TaskCreator tasks) {
        super(concurrency, config, tasks);
    }

    /** Stops the completion relay; call after {@link #execute()} has returned. */
    @Override
    public void close() {
        futureListenerExecutor.shutdown();
        try {
            if (!futureListenerExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
                futureListenerExecutor.shutdownNow();
            }
        } catch (InterruptedException e) {
            futureListenerExecutor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
