package ai.spectrum.samples.bert;

import ai.spectrum.dl4j.PeakMemory;
import ai.spectrum.samples.bench.SettledMemory;
import ai.spectrum.training.SpectrumListener;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The timed training of one method run, as both experiments do it: the selector attached and its first selection
 * timed, then one {@code fit} per batch, each step timed and followed by a resident-set sample, with an evaluation
 * before the first step, every {@code evalEvery} steps and after the last; afterwards the graph's listeners and this
 * thread's workspaces released.
 */
final class TrainingLoop {
    /** A callback of the loop, on the training thread, with a step number and a value. */
    @FunctionalInterface
    interface StepCallback {
        void at(int step, double value);
    }

    /**
     * What the loop timed.
     *
     * @param losses      minibatch loss of every step
     * @param stepMillis  wall time of every step
     * @param trainMillis total training time (initial selection included)
     */
    record Timing(List<Double> losses, List<Double> stepMillis, double trainMillis) {
        /** The median of {@link #stepMillis} without the first step (which builds the graphs); NaN if none. */
        double medianStepMillis() {
            return median(stepMillis.subList(Math.min(1, stepMillis.size()), stepMillis.size()));
        }
    }

    private TrainingLoop() {
    }

    /** Frees this thread's workspaces and lets the heap settle before a run's memory baseline is read. */
    static void settleMemory() {
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        SettledMemory.collectGarbage();
    }

    /**
     * Adds the selector (if any) to the graph's listeners and makes its first selection.
     *
     * @return the nanoseconds the first selection took (0 without a selector)
     */
    static long attach(ComputationGraph graph, SpectrumListener selector,
                       BiConsumer<SpectrumListener, ComputationGraph> firstSelection) {
        if (selector == null) {
            return 0;
        }
        graph.addListeners(selector);
        long s0 = System.nanoTime();
        firstSelection.accept(selector, graph);
        return System.nanoTime() - s0;
    }

    /**
     * Trains {@code steps} steps on {@code batches} (one each, in order), sampling {@code rss} after every step.
     *
     * @param selectionNanos the first selection's time, counted as training time
     * @param stepDone       after each optimizer step (counting from 1), with its minibatch loss
     * @param evaluate       at step 0, every {@code evalEvery} steps and after the last, with the training time so
     *                       far in milliseconds
     */
    static Timing run(ComputationGraph graph, List<MultiDataSet> batches, int steps, int evalEvery, PeakMemory rss,
                      long selectionNanos, StepCallback stepDone, StepCallback evaluate) {
        List<Double> losses = new ArrayList<>();
        List<Double> stepMillis = new ArrayList<>();
        double trainMillis = selectionNanos / 1e6;
        evaluate.at(0, trainMillis);
        for (int step = 1; step <= steps; step++) {
            long s0 = System.nanoTime();
            graph.fit(batches.get(step - 1));
            double ms = (System.nanoTime() - s0) / 1e6;
            rss.sample();
            stepMillis.add(ms);
            trainMillis += ms;
            losses.add(graph.score());
            stepDone.at(step, graph.score());
            if (step % evalEvery == 0 || step == steps) {
                evaluate.at(step, trainMillis);
            }
        }
        return new Timing(losses, stepMillis, trainMillis);
    }

    /** Removes the graph's listeners and frees this thread's workspaces after a run. */
    static void release(ComputationGraph graph) {
        graph.setListeners();
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }
}
