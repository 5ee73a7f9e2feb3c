package ai.spectrum.samples.bert;

import ai.spectrum.io.onnx.OnnxModel;
import ai.spectrum.samples.transformer.BertConfig;
import ai.spectrum.samples.transformer.BertGraph;
import ai.spectrum.samples.transformer.BertMlm;
import ai.spectrum.samples.transformer.BertWeights;
import ai.spectrum.samples.transformer.TiedEmbeddings;
import ai.spectrum.selection.SelectionStrategy;
import ai.spectrum.training.SpectrumListener;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Masked-language-model domain adaptation of all-MiniLM-L6-v2 on State of the Union passages
 * ({@link SotuCorpus}), as a plain {@code ComputationGraph.fit} loop so that any {@link TrainingListener} (such as
 * a Spectrum layer selector) can be attached. Reports the held-out masked-token loss before and after.
 *
 * <pre>{@code
 * MlmFineTuning.Result r = MlmFineTuning.builder().optMode(MlmFineTuning.Mode.FULL).optSteps(50).build().run();
 * }</pre>
 */
public final class MlmFineTuning {
    private static final Logger LOG = LoggerFactory.getLogger(MlmFineTuning.class);

    /** Which parameters train. */
    public enum Mode {
        /** Every parameter (encoder, embeddings, head). */
        FULL,
        /** Only the MLM head's transform and decoder bias; encoder and (tied) embeddings frozen. */
        FROZEN_ENCODER,
        /** Spectrum: the top 25% of each module type by SNR, plus word embeddings and head. */
        SPECTRUM_25,
        /** Spectrum: the top 50% of each module type by SNR, plus word embeddings and head. */
        SPECTRUM_50,
        /** A random 25% of each module type, plus word embeddings and head. */
        RANDOM_25,
        /** LISA-style cycling of 25% of each module type, plus word embeddings and head. */
        LISA
    }

    /**
     * The outcome of a run.
     *
     * @param mode                 what trained
     * @param steps                optimizer steps taken
     * @param validationLossBefore mean masked-token cross-entropy on the held-out batches before training
     * @param validationLossAfter  the same after training
     * @param trainLosses          the minibatch score of every step
     * @param millisPerStep        mean wall time of a {@code fit} step (excluding the first, which builds graphs)
     */
    public record Result(Mode mode, int steps, double validationLossBefore, double validationLossAfter,
                         List<Double> trainLosses, double millisPerStep) {
        public Result {
            trainLosses = List.copyOf(trainLosses);
        }
    }

    private final Mode mode;
    private final int steps;
    private final int batchSize;
    private final int sequenceLength;
    private final double learningRate;
    private final int validationPassages;
    private final long seed;
    private final List<TrainingListener> listeners;
    private final int reselectEvery;

    private MlmFineTuning(Builder b) {
        this.mode = b.mode;
        this.steps = b.steps;
        this.batchSize = b.batchSize;
        this.sequenceLength = b.sequenceLength;
        this.learningRate = b.learningRate;
        this.validationPassages = b.validationPassages;
        this.seed = b.seed;
        this.listeners = List.copyOf(b.listeners);
        this.reselectEvery = b.reselectEvery;
    }

    /** A builder with the defaults documented on its methods. */
    public static Builder builder() {
        return new Builder();
    }

    /** Loads the model and corpus, trains, and evaluates. */
    public Result run() throws IOException {
        OnnxModel onnx = SentenceEncoder.readAllMiniLmL6V2();
        BertConfig config = BertConfig.fromOnnx(onnx, 12);
        ComputationGraph graph = newGraph(mode, onnx, config, learningRate);
        graph.addListeners(listeners.toArray(new TrainingListener[0]));
        SpectrumListener selector = selector(mode, seed, reselectEvery);
        if (selector != null) {
            graph.addListeners(selector);
            selector.selectNow(graph); // single-minibatch fit has no epoch callbacks
        }

        try (BertTokenizer tokenizer = BertTokenizer.allMiniLmL6V2()) {
            MaskedLmBatches batches = MaskedLmBatches.bert(tokenizer, sequenceLength, config.vocabSize());
            MaskedLmData data = MaskedLmData.load(batches, seed, 0, validationPassages, batchSize);
            List<MultiDataSet> heldOut = data.heldOut();
            LOG.info("MLM {}: {} train / {} validation passages, {} steps of {} x {} tokens, Adam({})", mode,
                    data.trainPassages(), data.validationPassages(), steps, batchSize, sequenceLength, learningRate);
            double before = validationLoss(graph, heldOut);
            LOG.info("validation loss before: {}", before);
            List<Double> losses = new ArrayList<>();
            long timed = 0;
            for (int step = 0; step < steps; step++) {
                MultiDataSet batch = data.nextTrainBatch();
                long t0 = System.nanoTime();
                graph.fit(batch);
                long dt = System.nanoTime() - t0;
                if (step > 0) {
                    timed += dt;
                }
                losses.add(graph.score());
                LOG.info("step {} loss {} ({} ms)", step, graph.score(), dt / 1_000_000);
            }
            double after = validationLoss(graph, heldOut);
            double ms = steps > 1 ? timed / 1e6 / (steps - 1) : Double.NaN;
            LOG.info("validation loss after: {} ({} ms/step)", after, ms);
            return new Result(mode, steps, before, after, losses, ms);
        }
    }

    /**
     * The MLM graph of all-MiniLM-L6-v2 for a mode, with Adam at the given rate, the pretrained weights copied in
     * (the MLM head's transform is freshly initialised from the configuration's seed), the decoder tied to the word
     * embeddings (its {@link TiedEmbeddings} is the first listener) and, for {@link Mode#FROZEN_ENCODER}, the encoder
     * and embeddings frozen with {@code TransferLearning}.
     */
    public static ComputationGraph newGraph(Mode mode, OnnxModel onnx, BertConfig config, double learningRate) {
        ComputationGraph graph = new ComputationGraph(BertMlm.configuration(config, new Adam(learningRate)));
        graph.init();
        BertWeights.copy(onnx, graph, vertex -> vertex.startsWith("cls."));
        TiedEmbeddings tie = BertMlm.tie();
        tie.sync(graph);
        if (mode == Mode.FROZEN_ENCODER) {
            graph = new TransferLearning.GraphBuilder(graph)
                    .setFeatureExtractor(BertGraph.lastHiddenState(config)).build();
        }
        graph.setListeners(tie);
        return graph;
    }

    /** The layer selector of the Spectrum-style modes; null for FULL and FROZEN_ENCODER. */
    static SpectrumListener selector(Mode mode, long seed, int reselectEvery) {
        SelectionStrategy strategy;
        double percent;
        switch (mode) {
            case SPECTRUM_25 -> { strategy = SelectionStrategy.snr(); percent = 25; }
            case SPECTRUM_50 -> { strategy = SelectionStrategy.snr(); percent = 50; }
            case RANDOM_25 -> { strategy = SelectionStrategy.random(); percent = 25; }
            case LISA -> { strategy = SelectionStrategy.lisa(); percent = 25; }
            default -> { return null; }
        }
        // like the original tool, which always trains the embeddings and the LM head
        return SpectrumListener.builder().optStrategy(strategy).optTopPercent(percent)
                .optAlwaysTrain("^" + java.util.regex.Pattern.quote(BertGraph.WORD_EMBEDDINGS) + "$", "^cls\\..*")
                .optReselectEveryIterations(reselectEvery).optSeed(seed).build();
    }

    /** Mean score over the held-out batches (inference mode). */
    static double validationLoss(ComputationGraph graph, List<MultiDataSet> heldOut) {
        double sum = 0;
        for (MultiDataSet b : heldOut) {
            sum += graph.score(b, false);
        }
        return sum / heldOut.size();
    }

    /** Runs one configuration: {@code [FULL|FROZEN_ENCODER|SPECTRUM_25|SPECTRUM_50|RANDOM_25|LISA] [steps]}. */
    public static void main(String[] args) throws IOException {
        Builder b = builder();
        if (args.length > 0) {
            b.optMode(Mode.valueOf(args[0]));
        }
        if (args.length > 1) {
            b.optSteps(Integer.parseInt(args[1]));
        }
        Result r = b.build().run();
        LOG.info("{}", r);
    }

    /** Configures a run. */
    public static final class Builder {
        private Mode mode = Mode.FULL;
        private int steps = 100;
        private int batchSize = 8;
        private int sequenceLength = 128;
        private double learningRate = 5e-5;
        private int validationPassages = 64;
        private long seed = 42;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private int reselectEvery = 50;

        private Builder() {
        }

        /** Steps between re-selections in the Spectrum-style modes; default 50. */
        public Builder optReselectEveryIterations(int n) {
            this.reselectEvery = OptionChecks.atLeast(n, 1, "re-selection interval");
            return this;
        }

        /** What trains; default {@link Mode#FULL}. */
        public Builder optMode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Optimizer steps; default 100. */
        public Builder optSteps(int steps) {
            this.steps = OptionChecks.atLeast(steps, 0, "steps");
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

        /** Held-out passages evaluated before and after; default 64. */
        public Builder optValidationPassages(int n) {
            this.validationPassages = OptionChecks.atLeast(n, 1, "validation passages");
            return this;
        }

        /** Seed for shuffling and masking; default 42. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Extra listeners (e.g. a Spectrum selector), added after the embedding tie; default none. */
        public Builder optListener(TrainingListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        public MlmFineTuning build() {
            return new MlmFineTuning(this);
        }
    }
}
