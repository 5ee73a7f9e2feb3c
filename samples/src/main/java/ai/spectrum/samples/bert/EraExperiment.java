package ai.spectrum.samples.bert;

import ai.spectrum.Provenance;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.dl4j.PeakMemory;
import ai.spectrum.io.onnx.OnnxModel;
import ai.spectrum.samples.bench.ChildJvm;
import ai.spectrum.samples.bert.EraResult.Aggregate;
import ai.spectrum.samples.bert.EraResult.EvalPoint;
import ai.spectrum.samples.bert.EraResult.Memory;
import ai.spectrum.samples.bert.EraResult.Run;
import ai.spectrum.samples.bert.ExperimentResult.SnrColumn;
import ai.spectrum.samples.transformer.BertClassifier;
import ai.spectrum.samples.transformer.BertConfig;
import ai.spectrum.samples.transformer.BertGraph;
import ai.spectrum.samples.transformer.BertWeights;
import ai.spectrum.samples.transformer.LowRankAdapter;
import ai.spectrum.training.SpectrumListener;
import ai.spectrum.training.freeze.NetworkFreeze;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * The paper's setting on a small scale: sequence classification with a BERT-family encoder ({@link EraModel}, mean
 * pooling and a softmax head, cross-entropy), dating State of the Union passages to their era ({@link EraData}),
 * with every {@link EraMethod} over several seeds, one run after the other in this JVM.
 *
 * <p>Fairness: for a seed, every method sees the same batches in the same order, starts from the same pretrained
 * encoder and the same seeded head, and uses Adam with the same rates: {@code lr} for the encoder, {@code headLr} for
 * the head; LoRA's adapters use {@code loraLr} (LoRA's customary larger rate; its base weights do not train).
 * Selecting methods re-select every {@code reselectEvery} steps and always train the head. Per run it records the
 * validation accuracy, macro-F1 and loss every {@code evalEvery} steps, the time of every step, the exact gradient
 * and optimizer-state bytes, the peak resident set (indicative only: the runs share one JVM) and the SNR of every
 * module over training (from the listener's selections for SNR methods, else a {@link SpectrumAnalyzer} pass at every
 * evaluation of the first seed). With {@code memorySteps > 0}, before training, each method's memory is measured in a
 * JVM of its own ({@link EraMemoryProbe}: the first seed, its first selection and {@code memorySteps} steps).
 *
 * <pre>{@code
 * EraResult r = EraExperiment.builder().optMethods(List.of(EraMethod.FULL, EraMethod.SPECTRUM_25))
 *         .optSteps(60).optSeeds(3).build().run();
 * EraReport.write(r, Path.of("out"));
 * }</pre>
 */
public final class EraExperiment {
    private static final Logger LOG = LoggerFactory.getLogger(EraExperiment.class);

    /** Callbacks while the experiment runs (all default to no-ops), on the training thread. */
    public interface Progress {
        /** No progress reporting. */
        Progress NOOP = new Progress() {
        };

        /** Before a run's network is built; {@code index} counts runs from 0. */
        default void runStarted(EraMethod method, long seed, int index, int runs, int steps) {
        }

        /** After each optimizer step ({@code step} counts from 1). */
        default void stepDone(EraMethod method, int step, double trainLoss) {
        }

        /** After each validation evaluation. */
        default void evaluated(EraMethod method, EvalPoint point) {
        }

        /** Before a method's memory run starts in its own JVM; {@code index} counts methods from 0. */
        default void memoryRunStarted(EraMethod method, int index, int methods) {
        }
    }

    private final EraModel model;
    private final BertConfig randomEncoder;
    private final List<EraMethod> methods;
    private final int seeds;
    private final long firstSeed;
    private final int steps;
    private final int evalEvery;
    private final int reselectEvery;
    private final int batchSize;
    private final int sequenceLength;
    private final double learningRate;
    private final double headLearningRate;
    private final double loraLearningRate;
    private final int loraRank;
    private final int validationPerClass;
    private final int trainPerClass;
    private final int memorySteps;
    private final List<String> memoryJvmOptions;
    private final Progress progress;

    private EraExperiment(Builder b) {
        this.model = b.model;
        this.randomEncoder = b.randomEncoder;
        this.methods = List.copyOf(b.methods);
        this.seeds = b.seeds;
        this.firstSeed = b.firstSeed;
        this.steps = b.steps;
        this.evalEvery = b.evalEvery;
        this.reselectEvery = b.reselectEvery > 0 ? b.reselectEvery : b.evalEvery;
        this.batchSize = b.batchSize;
        this.sequenceLength = b.sequenceLength;
        this.learningRate = b.learningRate;
        this.headLearningRate = b.headLearningRate;
        this.loraLearningRate = b.loraLearningRate;
        this.loraRank = b.loraRank;
        this.validationPerClass = b.validationPerClass;
        this.trainPerClass = b.trainPerClass;
        this.memorySteps = b.memorySteps;
        this.memoryJvmOptions = b.memoryJvmOptions;
        this.progress = b.progress;
    }

    /** A builder with the defaults documented on its methods. */
    public static Builder builder() {
        return new Builder();
    }

    /** The configuration as strings (provenance). */
    public Map<String, String> configuration() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("task", "era: date a State of the Union passage to one of " + EraData.ERAS.size() + " eras");
        c.put("model", randomEncoder != null ? "random encoder " + randomEncoder : model.description());
        c.put("head", "masked mean pooling + softmax layer, cross-entropy");
        c.put("methods", methods.toString());
        c.put("seeds", seeds + " (from " + firstSeed + ")");
        c.put("steps", Integer.toString(steps));
        c.put("evalEvery", Integer.toString(evalEvery));
        c.put("reselectEvery", Integer.toString(reselectEvery));
        c.put("batchSize", Integer.toString(batchSize));
        c.put("sequenceLength", Integer.toString(sequenceLength));
        c.put("optimizer", "Adam: encoder " + learningRate + ", head " + headLearningRate + ", LoRA adapters "
                + loraLearningRate);
        c.put("loraRank", loraRank + " (alpha = 2 x rank; query and value projections)");
        c.put("validationPerClass", Integer.toString(validationPerClass));
        c.put("trainPerClass", trainPerClass == 0 ? "balanced maximum" : Integer.toString(trainPerClass));
        c.put("memorySteps", memorySteps == 0 ? "0 (no memory runs)" : memorySteps + " (each method in its own JVM, "
                + "first seed, " + String.join(" ", ChildJvm.memoryOptions()) + ")");
        c.put("ompThreads", String.valueOf(System.getenv("OMP_NUM_THREADS")));
        c.put("availableProcessors", Integer.toString(Runtime.getRuntime().availableProcessors()));
        return c;
    }

    /**
     * Loads the model and corpus once and trains every method with every seed.
     *
     * @throws IOException if the model, tokenizer or corpus cannot be read from the class path
     */
    public EraResult run() throws IOException {
        Map<EraMethod, Memory> memory = new EnumMap<>(EraMethod.class);
        if (memorySteps > 0) {
            for (EraMethod method : methods) {
                progress.memoryRunStarted(method, memory.size(), methods.size());
                memory.put(method, EraMemoryProbe.inOwnJvm(this, method));
            }
        }
        OnnxModel onnx = readOnnx();
        BertConfig config = config(onnx);
        EraData data = loadData();
        LOG.info("era experiment: {} train / {} validation passages, {} classes, {} steps of {} x {} tokens, "
                        + "methods {}, {} seed(s)", data.trainPassages(), data.validationPassages(), data.classes(),
                steps, batchSize, sequenceLength, methods, seeds);
        List<Run> runs = new ArrayList<>();
        List<String> modules = null;
        int index = 0;
        for (int s = 0; s < seeds; s++) {
            long seed = firstSeed + s;
            EraData seeded = data.withSeed(seed);
            List<MultiDataSet> batches = new ArrayList<>();
            for (int step = 0; step < steps; step++) {
                batches.add(seeded.trainBatch(step));
            }
            for (EraMethod method : methods) {
                progress.runStarted(method, seed, index++, methods.size() * seeds, steps);
                Run run = runMethod(method, seed, s == 0, onnx, config, seeded, batches);
                runs.add(run);
                if (modules == null && method != EraMethod.LORA && !run.snr().isEmpty()) {
                    modules = new ArrayList<>(run.snr().get(0).snr().keySet());
                }
            }
        }
        if (modules == null) {
            modules = runs.get(0).snr().isEmpty() ? List.of() : new ArrayList<>(runs.get(0).snr().get(0).snr().keySet());
        }
        List<Run> full = runs.stream().filter(r -> r.method() == EraMethod.FULL).toList();
        List<Aggregate> aggregates = new ArrayList<>();
        for (EraMethod m : methods) {
            aggregates.add(Aggregate.of(m, runs.stream().filter(r -> r.method() == m).toList(), full, memory.get(m),
                    memory.get(EraMethod.FULL)));
        }
        List<String> classes = EraData.ERAS.stream().map(EraData.Era::label).toList();
        return new EraResult(Provenance.capture(configuration()), modules, classes, runs, aggregates);
    }

    /** The pretrained model, or null with a random encoder. */
    OnnxModel readOnnx() throws IOException {
        return randomEncoder == null ? model.readOnnx() : null;
    }

    /** The encoder's sizes: the random encoder's, else the pretrained model's. */
    BertConfig config(OnnxModel onnx) {
        return randomEncoder != null ? randomEncoder : model.config(onnx);
    }

    /** The corpus, tokenized and split, ordered by the first seed. */
    EraData loadData() throws IOException {
        try (BertTokenizer tokenizer = model.tokenizer()) {
            return EraData.load(tokenizer, sequenceLength, batchSize, validationPerClass, trainPerClass, firstSeed);
        }
    }

    /** The first seed. */
    long firstSeed() {
        return firstSeed;
    }

    /** Optimizer steps of each memory run (0 = none). */
    int memorySteps() {
        return memorySteps;
    }

    /** Extra JVM options of the memory runs (a test hook). */
    List<String> memoryJvmOptions() {
        return memoryJvmOptions;
    }

    /**
     * The builder options that rebuild this experiment's model, data and optimizer settings in another JVM (read by
     * {@link #fromArguments}); methods, seeds, steps and evaluation are left out.
     */
    List<String> arguments() {
        List<String> a = new ArrayList<>(List.of("--model", model.name(), "--first-seed", Long.toString(firstSeed),
                "--reselect-every", Integer.toString(reselectEvery), "--batch", Integer.toString(batchSize),
                "--seq-len", Integer.toString(sequenceLength), "--lr", Double.toString(learningRate),
                "--head-lr", Double.toString(headLearningRate), "--lora-lr", Double.toString(loraLearningRate),
                "--lora-rank", Integer.toString(loraRank), "--validation", Integer.toString(validationPerClass),
                "--train-passages", Integer.toString(trainPerClass)));
        if (randomEncoder != null) {
            BertConfig c = randomEncoder;
            a.addAll(List.of("--random-encoder", c.vocabSize() + "," + c.hidden() + "," + c.layers() + ","
                    + c.heads() + "," + c.intermediate() + "," + c.maxPositions() + "," + c.typeVocabSize() + ","
                    + c.layerNormEps()));
        }
        return a;
    }

    /**
     * A builder set from {@link #arguments()}-style {@code --name value} pairs.
     *
     * @throws IllegalArgumentException naming an unknown option, a missing value or a value that does not parse
     */
    static Builder fromArguments(List<String> args) {
        Builder b = builder();
        if (args.size() % 2 != 0) {
            throw new IllegalArgumentException("options come in '--name value' pairs, got " + args);
        }
        for (int i = 0; i < args.size(); i += 2) {
            String name = args.get(i);
            String v = args.get(i + 1);
            try {
                switch (name) {
                    case "--model" -> b.optModel(EraModel.valueOf(v));
                    case "--first-seed" -> b.optFirstSeed(Long.parseLong(v));
                    case "--reselect-every" -> b.optReselectEvery(Integer.parseInt(v));
                    case "--batch" -> b.optBatchSize(Integer.parseInt(v));
                    case "--seq-len" -> b.optSequenceLength(Integer.parseInt(v));
                    case "--lr" -> b.optLearningRate(Double.parseDouble(v));
                    case "--head-lr" -> b.optHeadLearningRate(Double.parseDouble(v));
                    case "--lora-lr" -> b.optLoraLearningRate(Double.parseDouble(v));
                    case "--lora-rank" -> b.optLoraRank(Integer.parseInt(v));
                    case "--validation" -> b.optValidationPerClass(Integer.parseInt(v));
                    case "--train-passages" -> b.optTrainPerClass(Integer.parseInt(v));
                    case "--random-encoder" -> {
                        String[] f = v.split(",");
                        if (f.length != 8) {
                            throw new IllegalArgumentException("8 comma-separated sizes expected");
                        }
                        b.optRandomEncoder(new BertConfig(Integer.parseInt(f[0]), Integer.parseInt(f[1]),
                                Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]),
                                Integer.parseInt(f[5]), Integer.parseInt(f[6]), Double.parseDouble(f[7])));
                    }
                    default -> throw new IllegalArgumentException("unknown option");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad option " + name + " '" + v + "': " + e.getMessage(), e);
            }
        }
        return b;
    }

    /**
     * The classifier for a method and seed: pretrained encoder weights (or the seeded random ones), the head and
     * the adapters initialised from the seed, and the freeze of FROZEN_ENCODER and LORA applied.
     */
    ComputationGraph newGraph(EraMethod method, long seed, OnnxModel onnx, BertConfig config, int classes) {
        BertGraph.Adapters adapters = method == EraMethod.LORA
                ? new BertGraph.Adapters(loraRank, 2.0 * loraRank, new Adam(loraLearningRate)) : null;
        ComputationGraph graph = new ComputationGraph(BertClassifier.configuration(config, classes,
                new Adam(learningRate), new Adam(headLearningRate), adapters, DataType.FLOAT));
        graph.init();
        if (onnx != null) {
            BertWeights.copy(onnx, graph, v -> v.equals(BertClassifier.CLASSIFIER) || v.endsWith(BertGraph.LORA));
        } else if (adapters != null) {
            // the random encoder of the adapted graph must equal the others' (extra layers shift the init's RNG)
            ComputationGraph base = new ComputationGraph(BertClassifier.configuration(config, classes,
                    new Adam(learningRate), new Adam(headLearningRate), null, DataType.FLOAT));
            base.init();
            for (GraphVertex v : base.getVertices()) {
                if (v.hasLayer()) {
                    v.getLayer().paramTable().forEach((k, p) -> graph.getVertex(v.getVertexName()).getLayer()
                            .getParam(k).assign(p));
                }
            }
        }
        initialiseNewWeights(graph, seed);
        if (method == EraMethod.FROZEN_ENCODER || method == EraMethod.LORA) {
            Set<String> trainable = new LinkedHashSet<>();
            Dl4jNetwork.of(graph).weights().entries().forEach(e -> {
                if (e.layer().equals(BertClassifier.CLASSIFIER) || e.layer().endsWith(BertGraph.LORA)) {
                    trainable.add(e.info().name());
                }
            });
            NetworkFreeze.of(Dl4jNetwork.of(graph), true).apply(trainable);
        }
        return graph;
    }

    /**
     * The head (Xavier normal, zero bias) and every adapter's A (N(0, 1/nIn); B stays 0) from the seed; the head
     * has its own random stream, so it is the same with and without adapters.
     */
    static void initialiseNewWeights(ComputationGraph graph, long seed) {
        Random random = new Random(seed * 31 + 7);
        Random head = new Random(seed * 31 + 11);
        for (GraphVertex v : graph.getVertices()) {
            if (v.getVertexName().equals(BertClassifier.CLASSIFIER)) {
                INDArray w = v.getLayer().getParam("W");
                fillGaussian(w, Math.sqrt(2.0 / (w.size(0) + w.size(1))), head);
                v.getLayer().getParam("b").assign(0);
            } else if (v.getVertexName().endsWith(BertGraph.LORA)) {
                INDArray a = v.getLayer().getParam(LowRankAdapter.A);
                fillGaussian(a, 1 / Math.sqrt(a.size(0)), random);
                v.getLayer().getParam(LowRankAdapter.B).assign(0);
            }
        }
    }

    private static void fillGaussian(INDArray target, double sd, Random random) {
        double[] values = new double[(int) target.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian() * sd;
        }
        target.assign(Nd4j.createFromArray(values).castTo(target.dataType()).reshape(target.shape()));
    }

    private Run runMethod(EraMethod method, long seed, boolean analyzeSnr, OnnxModel onnx, BertConfig config,
                          EraData data, List<MultiDataSet> batches) {
        TrainingLoop.settleMemory();
        long baseRss = PeakMemory.rssBytes();
        PeakMemory rss = new PeakMemory();
        ComputationGraph graph = newGraph(method, seed, onnx, config, data.classes());
        graph.addListeners(rss);
        SpectrumListener selector = selector(method, seed);
        long selectionNanos = TrainingLoop.attach(graph, selector, EraExperiment::selectBeforeTraining);
        boolean snrFromSelector = selector != null && selector.strategy().scoresAreSnr();
        SpectrumAnalyzer analyzer = snrFromSelector || !analyzeSnr ? null
                : SpectrumAnalyzer.builder().optStrict(false).build();
        List<EvalPoint> validation = new ArrayList<>();
        List<SnrColumn> snr = new ArrayList<>();
        TrainingLoop.Timing timing = TrainingLoop.run(graph, batches, steps, evalEvery, rss, selectionNanos,
                (step, trainLoss) -> progress.stepDone(method, step, trainLoss), (step, trainMillis) -> {
                    evaluate(method, graph, data, step, trainMillis, validation);
                    if (analyzer != null) {
                        snr.add(SnrColumns.analyze(analyzer, graph, selector, step));
                    }
                });
        if (snrFromSelector) {
            snr.addAll(SnrColumns.fromSelections(selector));
        } else if (selector == null && !snr.isEmpty()) {
            // a fixed trainable set, read where the updater surely exists: after the last step
            Set<String> trained = snr.get(snr.size() - 1).trained();
            snr.replaceAll(c -> new SnrColumn(c.step(), c.source(), c.snr(), trained));
        }
        double median = timing.medianStepMillis();
        RunCost cost = RunCost.of(graph, selector);
        Run run = new Run(method, seed, validation, timing.losses(), timing.stepMillis(), median,
                timing.trainMillis(), cost.selectionMillis(), cost.parameters(), cost.trainableParameters(),
                cost.gradientBytes(), cost.optimizerStateBytes(), baseRss, rss.peakRssBytes(), snr);
        EvalPoint last = run.last();
        LOG.info("{} seed {}: accuracy {} -> {}, macro-F1 {}, loss {}, {} ms/step, grad+state {} B", method, seed,
                validation.get(0).accuracy(), last.accuracy(), last.macroF1(), last.loss(), median,
                run.stateBytes());
        TrainingLoop.release(graph);
        return run;
    }

    /** The selecting listener of a method (head always trained), or null for a fixed trainable set. */
    SpectrumListener selector(EraMethod method, long seed) {
        if (method.strategy() == null) {
            return null;
        }
        return SpectrumListener.builder().optStrategy(method.strategy()).optTopPercent(method.percent())
                .optAlwaysTrain("^" + BertClassifier.CLASSIFIER + "$").optReselectEveryIterations(reselectEvery)
                .optSeed(seed).build();
    }

    /**
     * The first selection of a strategy that needs neither gradients nor activations, before the first step (a
     * single-minibatch fit has no epoch callbacks); the others select during the first step.
     */
    static void selectBeforeTraining(SpectrumListener selector, ComputationGraph graph) {
        if (!selector.strategy().needsGradients() && !selector.strategy().needsActivations()) {
            selector.selectNow(graph);
        }
    }

    private void evaluate(EraMethod method, ComputationGraph graph, EraData data, int step, double trainMillis,
                          List<EvalPoint> out) {
        int[] labels = data.validationLabels();
        int[] predicted = new int[labels.length];
        double lossSum = 0;
        int row = 0;
        for (MultiDataSet b : data.validation()) {
            INDArray probs = graph.output(false, b.getFeatures())[0];
            for (int i = 0; i < probs.rows(); i++, row++) {
                INDArray p = probs.getRow(i);
                predicted[row] = p.argMax().getInt(0);
                lossSum -= Math.log(Math.max(p.getDouble(labels[row]), 1e-30));
            }
        }
        EvalPoint point = new EvalPoint(step, accuracy(labels, predicted), macroF1(labels, predicted,
                data.classes()), lossSum / labels.length, trainMillis);
        out.add(point);
        progress.evaluated(method, point);
    }

    /** Share of equal entries. */
    static double accuracy(int[] labels, int[] predicted) {
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            right += labels[i] == predicted[i] ? 1 : 0;
        }
        return (double) right / labels.length;
    }

    /** Unweighted mean over the classes of F1 = 2·TP / (2·TP + FP + FN) (0 where that is 0/0). */
    static double macroF1(int[] labels, int[] predicted, int classes) {
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            int tp = 0, fp = 0, fn = 0;
            for (int i = 0; i < labels.length; i++) {
                if (predicted[i] == c && labels[i] == c) {
                    tp++;
                } else if (predicted[i] == c) {
                    fp++;
                } else if (labels[i] == c) {
                    fn++;
                }
            }
            sum += tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
        }
        return sum / classes;
    }

    /** Validating builder for {@link EraExperiment}. */
    public static final class Builder {
        private EraModel model = EraModel.MINILM;
        private BertConfig randomEncoder;
        private List<EraMethod> methods = List.of(EraMethod.values());
        private int seeds = 1;
        private long firstSeed = 42;
        private int steps = 150;
        private int evalEvery = 25;
        private int reselectEvery = 0;
        private int batchSize = 16;
        private int sequenceLength = 128;
        private double learningRate = 5e-5;
        private double headLearningRate = 1e-3;
        private double loraLearningRate = 5e-4;
        private int loraRank = 8;
        private int validationPerClass = 24;
        private int trainPerClass = 0;
        private int memorySteps = 0;
        private List<String> memoryJvmOptions = List.of();
        private Progress progress = Progress.NOOP;

        private Builder() {
        }

        /** The pretrained encoder; default {@link EraModel#MINILM}. */
        public Builder optModel(EraModel model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /**
         * A seeded random encoder of these sizes instead of the pretrained one (the model's tokenizer is still used;
         * the vocabulary must match it); default none. For smoke tests.
         */
        public Builder optRandomEncoder(BertConfig config) {
            this.randomEncoder = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Methods in run order; default all, in declaration order (FULL first). */
        public Builder optMethods(List<EraMethod> methods) {
            this.methods = OptionChecks.methods(methods);
            return this;
        }

        /** Seeds per method (consecutive from the first seed); default 1. */
        public Builder optSeeds(int seeds) {
            this.seeds = OptionChecks.atLeast(seeds, 1, "seeds");
            return this;
        }

        /** The first seed; default 42. */
        public Builder optFirstSeed(long seed) {
            this.firstSeed = seed;
            return this;
        }

        /** Optimizer steps per run; default 150. */
        public Builder optSteps(int steps) {
            this.steps = OptionChecks.atLeast(steps, 1, "steps");
            return this;
        }

        /** Steps between validation evaluations (also after the last step); default 25. */
        public Builder optEvalEvery(int evalEvery) {
            this.evalEvery = OptionChecks.atLeast(evalEvery, 1, "evaluation interval");
            return this;
        }

        /** Steps between re-selections of the selecting methods; default 0 = the evaluation interval. */
        public Builder optReselectEvery(int reselectEvery) {
            this.reselectEvery = OptionChecks.atLeast(reselectEvery, 0, "re-selection interval");
            return this;
        }

        /** Passages per step; default 16. */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = OptionChecks.batchSize(batchSize);
            return this;
        }

        /** Tokens per passage (padded/truncated); default 128. */
        public Builder optSequenceLength(int sequenceLength) {
            this.sequenceLength = OptionChecks.sequenceLength(sequenceLength);
            return this;
        }

        /** Adam rate of the encoder; default 5e-5. */
        public Builder optLearningRate(double rate) {
            this.learningRate = OptionChecks.learningRate(rate);
            return this;
        }

        /** Adam rate of the classification head (every method); default 1e-3. */
        public Builder optHeadLearningRate(double rate) {
            this.headLearningRate = OptionChecks.learningRate(rate);
            return this;
        }

        /** Adam rate of the LoRA adapters; default 5e-4. */
        public Builder optLoraLearningRate(double rate) {
            this.loraLearningRate = OptionChecks.learningRate(rate);
            return this;
        }

        /** LoRA rank; default 8. */
        public Builder optLoraRank(int rank) {
            this.loraRank = OptionChecks.atLeast(rank, 1, "LoRA rank");
            return this;
        }

        /** Held-out passages per era; default 24. */
        public Builder optValidationPerClass(int n) {
            this.validationPerClass = OptionChecks.atLeast(n, 1, "validation passages per class");
            return this;
        }

        /** Training passages per era; default 0 = as many as the smallest era has. */
        public Builder optTrainPerClass(int n) {
            this.trainPerClass = OptionChecks.atLeast(n, 0, "training passages per class");
            return this;
        }

        /**
         * Optimizer steps of each method's memory run in a JVM of its own (peak resident set, off-heap and exact
         * gradient + optimizer-state bytes; {@link EraResult.Memory}); default 0 = no memory runs.
         */
        public Builder optMemorySteps(int steps) {
            this.memorySteps = OptionChecks.atLeast(steps, 0, "memory steps");
            return this;
        }

        /** Extra JVM options of the memory runs, after the parent's memory options; default none. A test hook. */
        Builder optMemoryJvmOptions(List<String> options) {
            this.memoryJvmOptions = List.copyOf(options);
            return this;
        }

        /** Progress callbacks; default none. */
        public Builder optProgress(Progress progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        public EraExperiment build() {
            return new EraExperiment(this);
        }
    }
}
