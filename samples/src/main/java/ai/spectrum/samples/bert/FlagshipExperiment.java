package ai.spectrum.samples.bert;

import ai.spectrum.Provenance;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.dl4j.PeakMemory;
import ai.spectrum.io.onnx.OnnxModel;
import ai.spectrum.samples.bert.ExperimentResult.Comparison;
import ai.spectrum.samples.bert.ExperimentResult.EvalPoint;
import ai.spectrum.samples.bert.ExperimentResult.MethodRun;
import ai.spectrum.samples.bert.ExperimentResult.SnrColumn;
import ai.spectrum.samples.transformer.BertConfig;
import ai.spectrum.training.SpectrumListener;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The flagship experiment: masked-LM domain adaptation of all-MiniLM-L6-v2 on State of the Union passages
 * ({@link SotuCorpus}) with each chosen {@link MlmFineTuning.Mode}, on the same minibatches, masks, held-out batches
 * and initial weights, one method after the other in this JVM.
 *
 * <p>Per method it records the validation loss every {@code evalEvery} steps, the time of every step, the exact
 * gradient and optimizer-state bytes, the peak resident set size, and the SNR of every module over training
 * (the Spectrum paper's Figure 4): from the listener's own (re-)selections for the SNR-selecting modes, and from a
 * {@link SpectrumAnalyzer} pass at every evaluation point for the others. It then compares every method with
 * {@link MlmFineTuning.Mode#FULL}.
 *
 * <pre>{@code
 * ExperimentResult r = FlagshipExperiment.builder().optSteps(30).optEvalEvery(10).build().run();
 * ExperimentReport.write(r, Path.of("out"));
 * }</pre>
 *
 * <p>Memory: {@code Pointer.physicalBytes()} (JavaCPP's reading of the process's resident set) is sampled after
 * every backward pass (activations alive) and after every step. Because the methods share one JVM, the peak of a
 * later method can reuse memory an earlier one freed; the exact, layout-determined number is the gradient +
 * optimizer-state byte count, and the RSS figures are indicative.
 */
public final class FlagshipExperiment {
    private static final Logger LOG = LoggerFactory.getLogger(FlagshipExperiment.class);

    /** Callbacks while the experiment runs (all default to no-ops); called on the training thread. */
    public interface Progress {
        /** No progress reporting. */
        Progress NOOP = new Progress() {
        };

        /** Before a method's network is built; {@code index} counts from 0. */
        default void methodStarted(MlmFineTuning.Mode mode, int index, int methods, int steps) {
        }

        /** After each optimizer step ({@code step} counts from 1). */
        default void stepDone(MlmFineTuning.Mode mode, int step, double trainLoss) {
        }

        /** After each validation evaluation. */
        default void evaluated(MlmFineTuning.Mode mode, int step, double validationLoss) {
        }

        /** After a method's run is complete. */
        default void methodDone(MethodRun run) {
        }
    }

    private final List<MlmFineTuning.Mode> modes;
    private final int steps;
    private final int evalEvery;
    private final int batchSize;
    private final int sequenceLength;
    private final double learningRate;
    private final int validationPassages;
    private final int trainPassages;
    private final int reselectEvery;
    private final long seed;
    private final Progress progress;

    private FlagshipExperiment(Builder b) {
        this.modes = List.copyOf(b.modes);
        this.steps = b.steps;
        this.evalEvery = b.evalEvery;
        this.batchSize = b.batchSize;
        this.sequenceLength = b.sequenceLength;
        this.learningRate = b.learningRate;
        this.validationPassages = b.validationPassages;
        this.trainPassages = b.trainPassages;
        this.reselectEvery = b.reselectEvery > 0 ? b.reselectEvery : b.evalEvery;
        this.seed = b.seed;
        this.progress = b.progress;
    }

    /** A builder with the defaults documented on its methods. */
    public static Builder builder() {
        return new Builder();
    }

    /** The configuration as strings (provenance). */
    public Map<String, String> configuration() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("model", "all-MiniLM-L6-v2 (langchain4j ONNX) + MLM head tied to the word embeddings");
        c.put("corpus", "State of the Union passages " + SotuCorpus.RESOURCE + ", split by address");
        c.put("methods", modes.toString());
        c.put("steps", Integer.toString(steps));
        c.put("evalEvery", Integer.toString(evalEvery));
        c.put("reselectEvery", Integer.toString(reselectEvery));
        c.put("batchSize", Integer.toString(batchSize));
        c.put("sequenceLength", Integer.toString(sequenceLength));
        c.put("optimizer", "Adam(" + learningRate + ")");
        c.put("validationPassages", Integer.toString(validationPassages));
        c.put("trainPassages", trainPassages == 0 ? "all" : Integer.toString(trainPassages));
        c.put("maskProbability", "0.15");
        c.put("seed", Long.toString(seed));
        c.put("ompThreads", String.valueOf(System.getenv("OMP_NUM_THREADS")));
        c.put("availableProcessors", Integer.toString(Runtime.getRuntime().availableProcessors()));
        return c;
    }

    /**
     * Loads the model and corpus once and trains every method in turn.
     *
     * @throws IOException if the model, tokenizer or corpus cannot be read from the class path
     */
    public ExperimentResult run() throws IOException {
        OnnxModel onnx = SentenceEncoder.readAllMiniLmL6V2();
        BertConfig config = BertConfig.fromOnnx(onnx, 12);
        List<MultiDataSet> trainBatches = new ArrayList<>();
        List<MultiDataSet> heldOut = new ArrayList<>();
        try (BertTokenizer tokenizer = BertTokenizer.allMiniLmL6V2()) {
            MaskedLmBatches batches = MaskedLmBatches.bert(tokenizer, sequenceLength, config.vocabSize());
            MaskedLmData data = MaskedLmData.load(batches, seed, trainPassages, validationPassages, batchSize);
            heldOut.addAll(data.heldOut());
            for (int step = 0; step < steps; step++) {
                trainBatches.add(data.nextTrainBatch());
            }
            LOG.info("flagship experiment: {} train / {} validation passages, {} steps of {} x {} tokens, Adam({}), "
                            + "methods {}", data.trainPassages(), data.validationPassages(), steps, batchSize,
                    sequenceLength, learningRate, modes);
        }
        List<String> modules = null;
        List<MethodRun> runs = new ArrayList<>();
        for (int i = 0; i < modes.size(); i++) {
            MlmFineTuning.Mode mode = modes.get(i);
            progress.methodStarted(mode, i, modes.size(), steps);
            MethodRun run = runMethod(mode, onnx, config, trainBatches, heldOut);
            if (modules == null) {
                modules = new ArrayList<>(run.snr().get(0).snr().keySet());
            }
            runs.add(run);
            progress.methodDone(run);
        }
        List<Comparison> comparisons = new ArrayList<>();
        MethodRun full = runs.stream().filter(r -> r.mode() == MlmFineTuning.Mode.FULL).findFirst().orElse(null);
        if (full != null) {
            for (MethodRun r : runs) {
                comparisons.add(Comparison.of(r, full));
            }
        }
        return new ExperimentResult(Provenance.capture(configuration()), modules, runs, comparisons);
    }

    private MethodRun runMethod(MlmFineTuning.Mode mode, OnnxModel onnx, BertConfig config,
                                List<MultiDataSet> trainBatches, List<MultiDataSet> heldOut) {
        TrainingLoop.settleMemory();
        long baseRss = PeakMemory.rssBytes();
        PeakMemory rss = new PeakMemory();
        long t0 = System.nanoTime();
        ComputationGraph graph = MlmFineTuning.newGraph(mode, onnx, config, learningRate);
        graph.addListeners(rss);
        SpectrumListener selector = MlmFineTuning.selector(mode, seed, reselectEvery);
        boolean snrFromSelector = selector != null && selector.strategy().scoresAreSnr();
        SpectrumAnalyzer analyzer = snrFromSelector ? null : SpectrumAnalyzer.builder().optStrict(false).build();
        // single-minibatch fit has no epoch callbacks
        long selectionNanos = TrainingLoop.attach(graph, selector, SpectrumListener::selectNow);
        LOG.info("{}: network built in {} ms", mode, (System.nanoTime() - t0) / 1_000_000);
        List<EvalPoint> validation = new ArrayList<>();
        List<SnrColumn> snr = new ArrayList<>();
        TrainingLoop.Timing timing = TrainingLoop.run(graph, trainBatches, steps, evalEvery, rss, selectionNanos,
                (step, trainLoss) -> progress.stepDone(mode, step, trainLoss), (step, trainMillis) -> {
                    evaluate(mode, graph, heldOut, step, trainMillis, validation);
                    if (analyzer != null) {
                        snr.add(SnrColumns.analyze(analyzer, graph, selector, step));
                    }
                });
        if (snrFromSelector) {
            snr.addAll(SnrColumns.fromSelections(selector));
        }
        double median = timing.medianStepMillis();
        RunCost cost = RunCost.of(graph, selector);
        INDArray flat = graph.getFlattenedGradients();
        long allocatedGradient = flat == null ? 0 : flat.length() * flat.dataType().width();
        MethodRun run = new MethodRun(mode, validation, timing.losses(), timing.stepMillis(), median,
                timing.trainMillis(), cost.selectionMillis(), cost.parameters(), cost.trainableParameters(),
                cost.gradientBytes(), allocatedGradient, cost.optimizerStateBytes(), baseRss, rss.peakRssBytes(), snr);
        LOG.info("{}: validation {} -> {}, {} ms/step (median), grad+state {} B, peak RSS {} B (+{} B)", mode,
                validation.get(0).loss(), run.finalLoss(), median, run.stateBytes(), run.peakRssBytes(),
                run.peakRssGrowthBytes());
        TrainingLoop.release(graph);
        return run;
    }

    private void evaluate(MlmFineTuning.Mode mode, ComputationGraph graph, List<MultiDataSet> heldOut, int step,
                          double trainMillis, List<EvalPoint> out) {
        double loss = MlmFineTuning.validationLoss(graph, heldOut);
        out.add(new EvalPoint(step, loss, trainMillis));
        progress.evaluated(mode, step, loss);
    }

    /** Validating builder for {@link FlagshipExperiment}. */
    public static final class Builder {
        private List<MlmFineTuning.Mode> modes = List.of(MlmFineTuning.Mode.values());
        private int steps = 60;
        private int evalEvery = 10;
        private int batchSize = 8;
        private int sequenceLength = 128;
        private double learningRate = 5e-5;
        private int validationPassages = 64;
        private int trainPassages = 0;
        private int reselectEvery = 0;
        private long seed = 42;
        private Progress progress = Progress.NOOP;

        private Builder() {
        }

        /** The methods, run in this order; default all six in declaration order (FULL first). */
        public Builder optModes(List<MlmFineTuning.Mode> modes) {
            this.modes = OptionChecks.methods(modes);
            return this;
        }

        /** Optimizer steps per method; default 60. */
        public Builder optSteps(int steps) {
            this.steps = OptionChecks.atLeast(steps, 1, "steps");
            return this;
        }

        /** Steps between validation evaluations (also after the last step); default 10. */
        public Builder optEvalEvery(int evalEvery) {
            this.evalEvery = OptionChecks.atLeast(evalEvery, 1, "evaluation interval");
            return this;
        }

        /** Steps between Spectrum re-selections; default 0 = the evaluation interval. */
        public Builder optReselectEvery(int reselectEvery) {
            this.reselectEvery = OptionChecks.atLeast(reselectEvery, 0, "re-selection interval");
            return this;
        }

        /** Passages per step; default 8. */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = OptionChecks.batchSize(batchSize);
            return this;
        }

        /** Tokens per passage (padded/truncated); default 128. */
        public Builder optSequenceLength(int sequenceLength) {
            this.sequenceLength = OptionChecks.sequenceLength(sequenceLength);
            return this;
        }

        /** Adam learning rate; default 5e-5. */
        public Builder optLearningRate(double learningRate) {
            this.learningRate = OptionChecks.learningRate(learningRate);
            return this;
        }

        /** Held-out passages, evaluated with the same masks for every method; default 64. */
        public Builder optValidationPassages(int n) {
            this.validationPassages = OptionChecks.atLeast(n, 1, "validation passages");
            return this;
        }

        /** Training passages drawn from the shuffled training split; default 0 = all. */
        public Builder optTrainPassages(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("training passages must be ≥ 0 (0 = all), got " + n);
            }
            this.trainPassages = n;
            return this;
        }

        /** Seed of shuffling and masking; default 42 (weights are the pretrained ones; the head is seeded). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Progress callbacks; default none. */
        public Builder optProgress(Progress progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        public FlagshipExperiment build() {
            if (trainPassages > 0 && trainPassages < batchSize) {
                throw new IllegalArgumentException("training passages (" + trainPassages
                        + ") must be at least the batch size (" + batchSize + ")");
            }
            return new FlagshipExperiment(this);
        }
    }
}
