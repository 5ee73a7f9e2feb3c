package ai.spectrum.samples.bert;

import ai.spectrum.Provenance;
import ai.spectrum.samples.bert.ExperimentResult.SnrColumn;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Everything {@link EraExperiment} measured, as written to {@code results.json}.
 *
 * @param provenance versions, platform, time and the full configuration
 * @param modules    every weight module of the base network, in model order (heatmap rows)
 * @param classes    the era labels, in class-index order
 * @param runs       one run per method and seed, in the order they ran
 * @param aggregates one per method over its seeds, in method order
 */
public record EraResult(Provenance provenance, List<String> modules, List<String> classes, List<Run> runs,
                        List<Aggregate> aggregates) {
    public EraResult {
        Objects.requireNonNull(provenance, "provenance");
        modules = List.copyOf(modules);
        classes = List.copyOf(classes);
        runs = List.copyOf(runs);
        aggregates = List.copyOf(aggregates);
    }

    /** The runs of a method, in seed order. */
    public List<Run> runs(EraMethod method) {
        return runs.stream().filter(r -> r.method() == method).toList();
    }

    /**
     * One validation evaluation.
     *
     * @param step        optimizer steps before it (0 = before training)
     * @param accuracy    share of held-out passages classified correctly
     * @param macroF1     F1 averaged over the classes (a class never predicted nor present counts 0)
     * @param loss        mean cross-entropy over the held-out passages
     * @param trainMillis training wall-clock up to this point (evaluation and SNR analysis excluded)
     */
    public record EvalPoint(int step, double accuracy, double macroF1, double loss, double trainMillis) {
    }

    /**
     * One method trained with one seed.
     *
     * @param method              the method
     * @param seed                data order, head and adapter initialisation
     * @param validation          evaluations at step 0, every {@code evalEvery} steps and after the last
     * @param trainLosses         minibatch loss of every step
     * @param stepMillis          wall time of every step
     * @param medianMillisPerStep median of {@code stepMillis} without the first step
     * @param wallClockMillis     total training time (initial selection included)
     * @param selectionMillis     time spent scoring, selecting and freezing
     * @param parameters          all parameters of the network (adapters included)
     * @param trainableParameters parameters the updater updates at the end
     * @param gradientBytes       {@code trainableParameters} × bytes per element
     * @param optimizerStateBytes the updater's state (Adam's m and v of what trains)
     * @param indicativeBaseRssBytes resident set after GC before the network was built, in the JVM shared by all
     *                               runs (indicative only; {@link Memory} has the figures of a JVM of its own)
     * @param indicativePeakRssBytes largest resident set sampled during training, in the shared JVM (indicative)
     * @param snr                 SNR of every module over training (heatmap columns)
     */
    public record Run(EraMethod method, long seed, List<EvalPoint> validation, List<Double> trainLosses,
                      List<Double> stepMillis, double medianMillisPerStep, double wallClockMillis,
                      double selectionMillis, long parameters, long trainableParameters, long gradientBytes,
                      long optimizerStateBytes, long indicativeBaseRssBytes, long indicativePeakRssBytes,
                      List<SnrColumn> snr) {
        public Run {
            Objects.requireNonNull(method, "method");
            validation = List.copyOf(validation);
            trainLosses = List.copyOf(trainLosses);
            stepMillis = List.copyOf(stepMillis);
            snr = List.copyOf(snr);
        }

        /** The last evaluation. */
        public EvalPoint last() {
            return validation.get(validation.size() - 1);
        }

        /** Gradient plus optimizer-state bytes. */
        public long stateBytes() {
            return gradientBytes + optimizerStateBytes;
        }

        /** Peak resident-set growth over the base in the shared JVM (indicative). */
        public long indicativePeakRssGrowthBytes() {
            return indicativePeakRssBytes - indicativeBaseRssBytes;
        }

        /** The first evaluation whose accuracy reaches {@code target}, or null. */
        public EvalPoint firstReaching(double target) {
            return validation.stream().filter(p -> p.accuracy() >= target).findFirst().orElse(null);
        }
    }

    /**
     * The memory of one method, measured in a JVM of its own ({@link EraMemoryProbe}): the parent's heap limit, the
     * model, data and options of the experiment, its first seed; the network built, the method's first selection
     * made and {@code steps} optimizer steps taken.
     *
     * @param peakRssBytes     peak resident set of that JVM's whole life: the kernel's high-water mark
     *                         ({@code VmHWM} of {@code /proc/self/status}), else the largest sampled resident set
     * @param peakRssSource    {@code "VmHWM"} or {@code "sampled"}: where {@code peakRssBytes} comes from
     * @param baseRssBytes     resident set after loading the model and data and a GC, before the network was built
     * @param peakOffHeapBytes largest resident set minus committed Java heap sampled after each backward pass and step
     *                         ({@link ai.spectrum.dl4j.PeakMemory}: ND4J's native buffers plus the JVM's own native
     *                         memory)
     * @param gradStateBytes   exact gradient bytes of what trains + the optimizer state (Adam's m and v) after the
     *                         steps, counted as {@link Run#stateBytes()} is
     * @param steps            optimizer steps taken
     */
    public record Memory(long peakRssBytes, String peakRssSource, long baseRssBytes, long peakOffHeapBytes,
                         long gradStateBytes, int steps) {
        public Memory {
            Objects.requireNonNull(peakRssSource, "peakRssSource");
        }
    }

    /**
     * Mean and sample standard deviation of per-seed values (sd 0 for one value; NaN values are skipped).
     *
     * @param mean   mean, NaN if no value
     * @param sd     sample standard deviation
     * @param values the per-seed values, in seed order (NaN = not available, e.g. never reached)
     */
    public record Stat(double mean, double sd, List<Double> values) {
        public Stat {
            values = List.copyOf(values);
        }

        /** The statistic of these values. */
        public static Stat of(List<Double> values) {
            List<Double> finite = values.stream().filter(Double::isFinite).toList();
            double mean = finite.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double ss = finite.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
            double sd = finite.size() > 1 ? Math.sqrt(ss / (finite.size() - 1)) : finite.isEmpty() ? Double.NaN : 0;
            return new Stat(mean, sd, values);
        }

        static <T> Stat over(List<T> items, ToDoubleFunction<T> f) {
            List<Double> v = new ArrayList<>();
            items.forEach(i -> v.add(f.applyAsDouble(i)));
            return of(v);
        }
    }

    /**
     * A method over its seeds. "FULL's final accuracy" is that of FULL with the same seed; ratios divide by FULL's
     * mean. Fields that need FULL are NaN when FULL did not run.
     *
     * @param method           the method
     * @param seeds            seeds run
     * @param accuracy         final validation accuracy
     * @param macroF1          final validation macro-F1
     * @param loss             final validation loss
     * @param msPerStep        median ms per step
     * @param stateBytes       gradient + optimizer-state bytes
     * @param memory           the method's memory in its own JVM, or null if not measured ({@code --memory-steps 0})
     * @param stepsToFull      steps to reach FULL's final accuracy (NaN = not reached within the run)
     * @param secondsToFull    training seconds to that point
     * @param msPerStepRatio   mean ms/step ÷ FULL's
     * @param stateBytesRatio  gradient + state ÷ FULL's
     * @param peakRssRatio     {@code memory.peakRssBytes} ÷ FULL's (each in its own JVM); NaN if either is missing
     */
    public record Aggregate(EraMethod method, int seeds, Stat accuracy, Stat macroF1, Stat loss, Stat msPerStep,
                            Stat stateBytes, Memory memory, Stat stepsToFull, Stat secondsToFull,
                            double msPerStepRatio, double stateBytesRatio, double peakRssRatio) {
        /**
         * Aggregates the runs of one method, against FULL's runs (may be empty), with the memory of the method and
         * of FULL in their own JVMs (either may be null).
         */
        public static Aggregate of(EraMethod method, List<Run> runs, List<Run> full, Memory memory,
                                   Memory fullMemory) {
            List<Double> steps = new ArrayList<>();
            List<Double> seconds = new ArrayList<>();
            for (Run r : runs) {
                Run f = full.stream().filter(x -> x.seed() == r.seed()).findFirst().orElse(null);
                EvalPoint p = f == null ? null : r.firstReaching(f.last().accuracy());
                steps.add(p == null ? Double.NaN : p.step());
                seconds.add(p == null ? Double.NaN : p.trainMillis() / 1000);
            }
            Stat ms = Stat.over(runs, Run::medianMillisPerStep);
            Stat state = Stat.over(runs, r -> (double) r.stateBytes());
            double fullMs = Stat.over(full, Run::medianMillisPerStep).mean();
            double fullState = Stat.over(full, r -> (double) r.stateBytes()).mean();
            double rssRatio = memory == null || fullMemory == null ? Double.NaN
                    : (double) memory.peakRssBytes() / fullMemory.peakRssBytes();
            return new Aggregate(method, runs.size(), Stat.over(runs, r -> r.last().accuracy()),
                    Stat.over(runs, r -> r.last().macroF1()), Stat.over(runs, r -> r.last().loss()), ms, state, memory,
                    Stat.of(steps), Stat.of(seconds), ms.mean() / fullMs, state.mean() / fullState,
                    rssRatio);
        }
    }
}
