package ai.spectrum.samples.bert;

import ai.spectrum.Provenance;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything {@link FlagshipExperiment} measured, as written to {@code results.json}.
 *
 * @param provenance  versions, platform, time and the experiment's full configuration (seed included)
 * @param modules     every weight module of the network, in model order (the heatmap rows)
 * @param methods     one run per method, in the order they ran
 * @param comparisons each method against {@link MlmFineTuning.Mode#FULL}; empty when FULL did not run
 */
public record ExperimentResult(Provenance provenance, List<String> modules, List<MethodRun> methods,
                               List<Comparison> comparisons) {
    public ExperimentResult {
        Objects.requireNonNull(provenance, "provenance");
        modules = List.copyOf(modules);
        methods = List.copyOf(methods);
        comparisons = List.copyOf(comparisons);
    }

    /** The run of a method, or null. */
    public MethodRun method(MlmFineTuning.Mode mode) {
        return methods.stream().filter(m -> m.mode() == mode).findFirst().orElse(null);
    }

    /**
     * One validation evaluation.
     *
     * @param step        optimizer steps taken before it (0 = before training)
     * @param loss        mean masked-token cross-entropy over the held-out batches (the same for every method)
     * @param trainMillis training wall-clock up to this point (evaluation and SNR scoring excluded)
     */
    public record EvalPoint(int step, double loss, double trainMillis) {
    }

    /**
     * The SNR of every module at one point of training (one heatmap column).
     *
     * @param step    optimizer steps taken when the weights were scored
     * @param source  {@code selection} (the Spectrum listener's own scores at a (re-)selection) or {@code analyzer}
     *                (a {@code SpectrumAnalyzer} pass over the live weights at an evaluation point)
     * @param snr     module → SNR (may be +∞ or NaN), in model order
     * @param trained the modules trained from this point on
     */
    public record SnrColumn(int step, String source, Map<String, Double> snr, Set<String> trained) {
        public SnrColumn {
            snr = Collections.unmodifiableMap(new LinkedHashMap<>(snr));
            trained = Collections.unmodifiableSet(new LinkedHashSet<>(trained));
        }
    }

    /**
     * What one method measured.
     *
     * @param mode                   the method
     * @param validation             validation loss at step 0, every {@code evalEvery} steps and after the last step
     * @param trainLosses            the minibatch loss of every step
     * @param stepMillis             wall time of every {@code fit} step (selection time included)
     * @param medianMillisPerStep    median of {@code stepMillis} without the first step (which builds the graphs);
     *                               NaN with fewer than two steps
     * @param wallClockMillis        total training wall time (all steps, initial selection included)
     * @param selectionMillis        time the Spectrum listener spent scoring, selecting and freezing (0 without one)
     * @param parameters             all parameters of the network
     * @param trainableParameters    parameters the updater updates at the end (those in non-NoOp updater blocks)
     * @param gradientBytes          {@code trainableParameters} × bytes per element: the gradient of what trains
     * @param allocatedGradientBytes the network's flattened gradient array as allocated (DL4J's spans every parameter,
     *                               Spectrum's compact one the layers whose backprop writes a gradient)
     * @param optimizerStateBytes    the updater's state view array (Adam's m and v of what trains)
     * @param baseRssBytes           resident set size after GC just before the method's network was built
     * @param peakRssBytes           largest resident set size sampled during its training
     *                               ({@code Pointer.physicalBytes()} after every backward pass and every step)
     * @param snr                    SNR of every module over training (heatmap columns)
     */
    public record MethodRun(MlmFineTuning.Mode mode, List<EvalPoint> validation, List<Double> trainLosses,
                            List<Double> stepMillis, double medianMillisPerStep, double wallClockMillis,
                            double selectionMillis, long parameters, long trainableParameters, long gradientBytes,
                            long allocatedGradientBytes, long optimizerStateBytes, long baseRssBytes,
                            long peakRssBytes, List<SnrColumn> snr) {
        public MethodRun {
            Objects.requireNonNull(mode, "mode");
            validation = List.copyOf(validation);
            trainLosses = List.copyOf(trainLosses);
            stepMillis = List.copyOf(stepMillis);
            snr = List.copyOf(snr);
        }

        /** Validation loss after the last step. */
        public double finalLoss() {
            return validation.get(validation.size() - 1).loss();
        }

        /** Gradient plus optimizer-state bytes. */
        public long stateBytes() {
            return gradientBytes + optimizerStateBytes;
        }

        /** Peak resident-set growth over {@link #baseRssBytes()}. */
        public long peakRssGrowthBytes() {
            return peakRssBytes - baseRssBytes;
        }
    }

    /**
     * A method against full fine-tuning, derived from the two {@link MethodRun}s.
     *
     * @param mode                    the method
     * @param finalLossDelta          its final validation loss minus FULL's (negative = better than FULL)
     * @param msPerStepRatio          its median ms/step ÷ FULL's
     * @param stateBytesRatio         its gradient + optimizer-state bytes ÷ FULL's
     * @param optimizerStateRatio     its optimizer-state bytes ÷ FULL's
     * @param peakRssGrowthRatio      its peak RSS growth ÷ FULL's
     * @param stepsToFullFinal        first evaluated step at which its validation loss ≤ FULL's final loss; null
     *                                if never (not reached)
     * @param trainMillisToFullFinal  training wall-clock at that evaluation; null if not reached
     */
    public record Comparison(MlmFineTuning.Mode mode, double finalLossDelta, double msPerStepRatio,
                             double stateBytesRatio, double optimizerStateRatio, double peakRssGrowthRatio,
                             Integer stepsToFullFinal, Double trainMillisToFullFinal) {
        /** Derives the comparison of {@code run} against {@code full}. */
        public static Comparison of(MethodRun run, MethodRun full) {
            double target = full.finalLoss();
            Integer steps = null;
            Double millis = null;
            for (EvalPoint p : run.validation()) {
                if (p.loss() <= target) {
                    steps = p.step();
                    millis = p.trainMillis();
                    break;
                }
            }
            return new Comparison(run.mode(), run.finalLoss() - full.finalLoss(),
                    run.medianMillisPerStep() / full.medianMillisPerStep(),
                    (double) run.stateBytes() / full.stateBytes(),
                    (double) run.optimizerStateBytes() / full.optimizerStateBytes(),
                    (double) run.peakRssGrowthBytes() / full.peakRssGrowthBytes(), steps, millis);
        }
    }
}
