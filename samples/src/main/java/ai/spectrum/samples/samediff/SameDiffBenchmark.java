package ai.spectrum.samples.samediff;

import ai.spectrum.io.onnx.OnnxModel;
import ai.spectrum.samediff.SpectrumSameDiffTrainer;
import ai.spectrum.samples.transformer.BertConfig;
import ai.spectrum.samples.transformer.BertGraph;
import ai.spectrum.samples.bert.BertTokenizer;
import ai.spectrum.samples.bert.MaskedLmBatches;
import ai.spectrum.samples.bert.MaskedLmData;
import ai.spectrum.samples.bert.MlmFineTuning;
import ai.spectrum.samples.bert.SentenceEncoder;
import ai.spectrum.training.SelectionEvent;
import ai.spectrum.training.SpectrumListener;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code bench-samediff}: Spectrum-25 on all-MiniLM-L6-v2 built as a pure SameDiff graph ({@link SameDiffBert})
 * against full training of the same graph, masked-language-model fine-tuning on State of the Union passages
 * ({@link MaskedLmData}, the flagship's data), then the DL4J {@code ComputationGraph} port trained with Spectrum-25 on the
 * same batches ({@link MlmFineTuning}) for its validation loss.
 *
 * <p>The two SameDiff runs are stepped in turn in one JVM (one step of each, so load changes hit both alike) on the
 * same minibatches from the same pretrained weights, Adam. Printed per run: trained parameters, gradient +
 * optimizer-state bytes (trained parameters × 4 bytes + the updater state arrays, after the last step), mean ms per
 * step (the first step, which builds the gradient function, and selection time excluded), validation loss before
 * and after (mean masked-token cross-entropy on held-out passages). Spectrum-25 trains the top 25% of each module
 * type by SNR plus the word embeddings (with the tied decoder) and the MLM head, like the flagship, and re-selects
 * every {@code --reselect-every} steps; each re-selection's cost is printed, with its part spent rebuilding
 * SameDiff's gradient function. Spectrum's first selection is compared with the one {@code SpectrumListener}
 * makes on the port.
 */
@Command(name = "bench-samediff", mixinStandardHelpOptions = true,
        description = "Spectrum-25 vs full training of all-MiniLM-L6-v2 as a pure SameDiff graph (bytes, ms/step, "
                + "re-selection cost), and validation loss next to the ComputationGraph port's.")
public final class SameDiffBenchmark implements Callable<Integer> {
    private static final Pattern GRADIENT_BUILD_NOISE = Pattern.compile("^Added differentiated op .*");

    @Option(names = "--quick", description = "Tiny sizes (3 steps of 2 x 16 tokens), to check that it runs.")
    boolean quick;

    @Option(names = "--steps", description = "Training steps per run (default 12; --quick: 3).")
    Integer steps;

    @Option(names = "--reselect-every", description = "Spectrum re-selection interval in steps (default 6; --quick: 2).")
    Integer reselectEvery;

    @Option(names = "--seed", description = "Seed of data order and masks (default ${DEFAULT-VALUE}).")
    long seed = 42;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Sizes of a run. */
    record Sizes(int steps, int reselectEvery, int batch, int sequenceLength, int validationPassages, double lr) {
    }

    /** What one SameDiff run measured. */
    record Run(String name, long trainedParams, long stateElements, double msPerStep, double lossBefore,
               double lossAfter) {
        long gradientAndStateBytes() {
            return 4 * (trainedParams + stateElements);
        }
    }

    Sizes sizes() {
        Sizes base = quick ? new Sizes(3, 2, 2, 16, 4, 5e-5) : new Sizes(12, 6, 8, 64, 32, 5e-5);
        int s = steps != null ? steps : base.steps();
        int r = reselectEvery != null ? reselectEvery : base.reselectEvery();
        if (s < 2 || r < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "need --steps ≥ 2 and --reselect-every ≥ 1, "
                    + "got " + s + " and " + r);
        }
        return new Sizes(s, r, base.batch(), base.sequenceLength(), base.validationPassages(), base.lr());
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Sizes z = sizes();
        out.printf(Locale.ROOT, "# bench-samediff%s: all-MiniLM-L6-v2 MLM as a pure SameDiff graph, %d steps of %d x %d "
                        + "tokens, Adam(%s), Spectrum-25 re-selects every %d steps, %d validation passages, seed %d%n",
                quick ? " --quick" : "", z.steps(), z.batch(), z.sequenceLength(), z.lr(), z.reselectEvery(),
                z.validationPassages(), seed);
        out.flush();
        PrintStream stdout = System.out;
        System.setOut(filtered(stdout)); // SameDiff prints a line per op whenever it builds a gradient function
        try {
            run(out, z);
        } finally {
            System.setOut(stdout);
        }
        out.flush();
        return 0;
    }

    private void run(PrintWriter out, Sizes z) throws IOException {
        OnnxModel onnx = SentenceEncoder.readAllMiniLmL6V2();
        BertConfig config = BertConfig.fromOnnx(onnx, 12);
        IUpdater adam = new Adam(z.lr());
        ComputationGraph port = MlmFineTuning.newGraph(MlmFineTuning.Mode.SPECTRUM_25, onnx, config, z.lr());
        SpectrumListener portSelector = SpectrumListener.builder().optTopPercent(25)
                .optAlwaysTrain(alwaysTrain()).optSeed(seed).build();
        Set<String> portFirst = portSelector.selectNow(port).selected();

        try (BertTokenizer tokenizer = BertTokenizer.allMiniLmL6V2()) {
            MaskedLmData fullData = data(tokenizer, config, z);
            MaskedLmData spectrumData = data(tokenizer, config, z);
            int k = fullData.batches().maxPredictions();
            SameDiff full = SameDiffBert.mlm(port, config, z.sequenceLength(), k, adam);
            SameDiff spectrum = SameDiffBert.mlm(port, config, z.sequenceLength(), k, adam);
            port = null; // only its weights were needed
            SpectrumSameDiffTrainer trainer = SpectrumSameDiffTrainer.builder().optTopPercent(25)
                    .optAlwaysTrain(alwaysTrain()).optReselectEveryIterations(z.reselectEvery()).optSeed(seed)
                    .optModules(SameDiffBert.naming()).build();

            double fullBefore = validationLoss(full, fullData.heldOut());
            double spectrumBefore = validationLoss(spectrum, spectrumData.heldOut());
            long fullNanos = 0;
            long spectrumNanos = 0;
            List<Long> selections = new ArrayList<>();
            List<Long> rebuilds = new ArrayList<>();
            long firstRebuild = 0;
            for (int step = 0; step < z.steps(); step++) {
                long t0 = System.nanoTime();
                full.fit(fullData.nextTrainBatch());
                long tFull = System.nanoTime() - t0;
                long sel0 = trainer.selectionNanos();
                long reb0 = trainer.gradientRebuildNanos();
                int events0 = trainer.history().size();
                t0 = System.nanoTime();
                trainer.fit(spectrum, spectrumData.nextTrainBatch());
                long sel = trainer.selectionNanos() - sel0;
                long tSpectrum = System.nanoTime() - t0 - sel;
                if (trainer.history().size() > events0 && step > 0) {
                    selections.add(sel);
                    rebuilds.add(trainer.gradientRebuildNanos() - reb0);
                }
                if (step == 0) {
                    firstRebuild = trainer.gradientRebuildNanos();
                } else {
                    fullNanos += tFull;
                    spectrumNanos += tSpectrum;
                }
            }
            Run fullRun = new Run("samediff-full", trainedParams(full), stateElements(full),
                    fullNanos / 1e6 / (z.steps() - 1), fullBefore, validationLoss(full, fullData.heldOut()));
            Run spectrumRun = new Run("samediff-spectrum-25", trainedParams(spectrum), stateElements(spectrum),
                    spectrumNanos / 1e6 / (z.steps() - 1), spectrumBefore,
                    validationLoss(spectrum, spectrumData.heldOut()));
            full = null;

            MlmFineTuning.Result cg = MlmFineTuning.builder().optMode(MlmFineTuning.Mode.SPECTRUM_25)
                    .optSteps(z.steps()).optBatchSize(z.batch()).optSequenceLength(z.sequenceLength())
                    .optLearningRate(z.lr()).optValidationPassages(z.validationPassages()).optSeed(seed)
                    .optReselectEveryIterations(z.reselectEvery()).build().run();

            out.printf(Locale.ROOT, "%-22s %14s %18s %10s %16s %15s%n", "run", "trained_params", "grad+state_bytes",
                    "ms/step", "val_loss_before", "val_loss_after");
            for (Run r : List.of(fullRun, spectrumRun)) {
                out.printf(Locale.ROOT, "%-22s %,14d %,18d %10.1f %16.4f %15.4f%n", r.name(), r.trainedParams(),
                        r.gradientAndStateBytes(), r.msPerStep(), r.lossBefore(), r.lossAfter());
            }
            out.printf(Locale.ROOT, "%-22s %14s %18s %10.1f %16.4f %15.4f%n", "computationgraph-s25", "-", "-",
                    cg.millisPerStep(), cg.validationLossBefore(), cg.validationLossAfter());
            out.printf(Locale.ROOT, "grad_state_bytes_ratio_s25=%.3f%n",
                    (double) spectrumRun.gradientAndStateBytes() / fullRun.gradientAndStateBytes());
            out.printf(Locale.ROOT, "step_time_ratio_s25=%.3f%n", spectrumRun.msPerStep() / fullRun.msPerStep());
            out.printf(Locale.ROOT, "first_selection_ms=%.1f first_selection_gradient_rebuild_ms=%.1f%n",
                    trainer.history().get(0).selectionNanos() / 1e6, firstRebuild / 1e6);
            long changed = rebuilds.stream().filter(r -> r > 0).count();
            out.printf(Locale.ROOT, "reselections=%d (%d changed the trained set) mean_reselect_ms=%.1f "
                            + "mean_gradient_rebuild_ms_when_changed=%.1f%n", selections.size(), changed,
                    mean(selections) / 1e6, mean(rebuilds.stream().filter(r -> r > 0).toList()) / 1e6);
            Set<String> sdFirst = trainer.history().get(0).selected();
            Set<String> encoder = new LinkedHashSet<>(trainer.history().get(0).scores().keySet());
            encoder.removeIf(m -> !m.startsWith("encoder."));
            Set<String> a = new LinkedHashSet<>(sdFirst);
            a.retainAll(encoder);
            Set<String> b = new LinkedHashSet<>(portFirst);
            b.retainAll(encoder);
            out.printf(Locale.ROOT, "first_selection_equals_port=%s (%d of %d encoder modules trained)%n",
                    a.equals(b), a.size(), encoder.size());
            for (SelectionEvent e : trainer.history()) {
                out.printf(Locale.ROOT, "# selection at step %d: %d modules, %.1f ms%n", e.iteration(),
                        e.selected().size(), e.selectionNanos() / 1e6);
            }
        }
    }

    private static String[] alwaysTrain() {
        // like the original tool and the flagship, which always train the embeddings and the LM head
        return new String[]{"^" + Pattern.quote(BertGraph.WORD_EMBEDDINGS) + "$", "^cls\\..*"};
    }

    private MaskedLmData data(BertTokenizer tokenizer, BertConfig config, Sizes z) throws IOException {
        MaskedLmBatches batches = MaskedLmBatches.bert(tokenizer, z.sequenceLength(), config.vocabSize());
        return MaskedLmData.load(batches, seed, 0, z.validationPassages(), z.batch());
    }

    static double validationLoss(SameDiff sd, List<? extends MultiDataSet> heldOut) {
        double sum = 0;
        List<String> features = sd.getTrainingConfig().getDataSetFeatureMapping();
        for (MultiDataSet b : heldOut) {
            Map<String, INDArray> feed = new HashMap<>();
            for (int i = 0; i < features.size(); i++) {
                feed.put(features.get(i), b.getFeatures(i));
            }
            feed.put(SameDiffBert.LABELS, b.getLabels(0));
            sum += sd.output(feed, SameDiffBert.LOSS).get(SameDiffBert.LOSS).getDouble(0);
        }
        return sum / heldOut.size();
    }

    static long trainedParams(SameDiff sd) {
        long n = 0;
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE && v.getArr() != null) {
                n += v.getArr().length();
            }
        }
        return n;
    }

    static long stateElements(SameDiff sd) {
        long n = 0;
        if (sd.getUpdaterMap() != null) {
            for (Object u : sd.getUpdaterMap().values()) {
                Map<?, ?> state = ((org.nd4j.linalg.learning.GradientUpdater<?>) u).getState();
                if (state != null) {
                    for (Object a : state.values()) {
                        n += ((INDArray) a).length();
                    }
                }
            }
        }
        return n;
    }

    private static double mean(List<Long> xs) {
        return xs.isEmpty() ? Double.NaN : xs.stream().mapToLong(Long::longValue).average().orElse(Double.NaN);
    }

    /** Standard output without SameDiff's per-op gradient-building lines. */
    private static PrintStream filtered(PrintStream target) {
        return new PrintStream(new OutputStream() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public void write(int b) {
                if (b == '\n') {
                    String s = line.toString();
                    line.setLength(0);
                    if (!GRADIENT_BUILD_NOISE.matcher(s).matches()) {
                        target.println(s);
                    }
                } else {
                    line.append((char) b);
                }
            }

            @Override
            public void flush() {
                target.flush();
            }
        }, true, StandardCharsets.ISO_8859_1);
    }
}
