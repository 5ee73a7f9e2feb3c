package ai.spectrum.samples.sweep;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.ScanProgress;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.arbiter.CandidateResult;
import ai.spectrum.arbiter.Spaces;
import ai.spectrum.arbiter.SpectrumSpace;
import ai.spectrum.arbiter.SpectrumSweep;
import ai.spectrum.arbiter.SweepCandidate;
import ai.spectrum.arbiter.SweepResult;
import ai.spectrum.arbiter.SweepSpace;
import ai.spectrum.arbiter.TrainingBudget;
import ai.spectrum.arbiter.report.SweepReport;
import ai.spectrum.dl4j.Dl4jNetwork;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * Sweeps Spectrum's top percent and minimum-SNR threshold with Arbiter on a small synthetic problem: a student MLP
 * (six 64-unit dense blocks, one module type) learns a random teacher network's 4-class labels. Writes
 * {@code sweep.csv}, {@code sweep.html} and {@code sweep.json} and prints the results table.
 *
 * <p>With {@code --thresholds auto} (the default) the thresholds are "none" plus the 25th and 50th percentile of the
 * dense blocks' SNRs in the freshly initialised student, so they bite whatever the SNR scale of the network.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Arbiter sweep of Spectrum's top percent and SNR threshold on a small synthetic problem.")
public final class SweepSample implements Callable<Integer> {
    static final int INPUTS = 16;
    static final int HIDDEN = 64;
    static final int BLOCKS = 6;
    static final int CLASSES = 4;
    static final int BATCH = 64;

    @Spec
    CommandSpec spec;

    @Option(names = "--out", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("sweep-out");

    @Option(names = "--iterations", description = "Training iterations per candidate (default: ${DEFAULT-VALUE}).")
    int iterations = 150;

    @Option(names = "--seconds-per-candidate",
            description = "Also stop each candidate's training after this many seconds (default: no time limit).")
    Double secondsPerCandidate;

    @Option(names = "--max-minutes", description = "Start no new candidate after this many minutes (default: none).")
    Double maxMinutes;

    @Option(names = "--random", paramLabel = "N",
            description = "Random search of N candidates (top percent drawn from 10..100) instead of the grid.")
    Integer random;

    @Option(names = "--seed", description = "Seed for data, networks and search (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--top-percent", split = ",", description = "Top percents to try (default: 25,50,75,100).")
    double[] topPercents = {25, 50, 75, 100};

    @Option(names = "--thresholds", description = "Minimum SNRs to try, comma-separated, or 'auto' (default).")
    String thresholds = "auto";

    @Option(names = "--learning-rate", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate = 0.005;

    @Option(names = "--train-examples", description = "Training examples (default: ${DEFAULT-VALUE}).")
    int trainExamples = 4096;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SweepSample()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter w = spec.commandLine().getOut();
        double[] minSnrs = minSnrs();
        SweepSpace space = SweepSpace.builder()
                .optSpectrum(SpectrumSpace.builder()
                        .optTopPercent(random == null ? Spaces.doubles(topPercents)
                                : new ContinuousParameterSpace(10, 100))
                        .optMinSnr(Spaces.doubles(minSnrs))
                        .optAlwaysTrain("^out$")
                        .build())
                .optHyperparameter("learningRate", Spaces.doubles(learningRate))
                .build();
        List<DataSet> train = teacherData(trainExamples, seed);
        List<DataSet> validation = teacherData(1024, seed + 1);
        SpectrumSweep.Builder b = SpectrumSweep.builder()
                .setModelFactory((c, s) -> student(c.doubleHyperparameter("learningRate"), s))
                .setTrainingData(() -> iterator(train))
                .setValidationData(() -> iterator(validation))
                .optSpace(space)
                .optBudget(secondsPerCandidate == null ? TrainingBudget.iterations(iterations)
                        : TrainingBudget.of(iterations, Duration.ofMillis((long) (secondsPerCandidate * 1000))))
                .optSeed(seed);
        if (random != null) {
            b.optRandomSearch().optMaxCandidates(random);
        }
        if (maxMinutes != null) {
            b.optMaxDuration(Duration.ofMillis((long) (maxMinutes * 60_000)));
        }
        SweepResult result = b.build().run();
        SweepReport.writeAll(result, out);
        printTable(w, result);
        w.printf(Locale.ROOT, "%nReports: %s, %s, %s in %s%n", SweepReport.CSV, SweepReport.HTML, SweepReport.JSON,
                out.toAbsolutePath());
        w.flush();
        return result.completed().isEmpty() ? 1 : 0;
    }

    double[] minSnrs() throws IOException {
        if (!thresholds.equals("auto")) {
            return Arrays.stream(thresholds.split(",")).map(String::strip)
                    .mapToDouble(t -> t.equalsIgnoreCase("none") ? Double.NEGATIVE_INFINITY : Double.parseDouble(t))
                    .toArray();
        }
        MultiLayerNetwork probe = student(learningRate, seed);
        List<ModuleScore> scores = SpectrumAnalyzer.builder().build()
                .scan(Dl4jNetwork.of(probe).weights(), ScanProgress.NOOP).scores();
        double[] dense = scores.stream().filter(s -> s.type().equals("dense")).mapToDouble(ModuleScore::snr)
                .filter(Double::isFinite).sorted().toArray();
        probe.close();
        if (dense.length == 0) {
            return new double[] {Double.NEGATIVE_INFINITY};
        }
        return new double[] {Double.NEGATIVE_INFINITY, quantile(dense, 0.25), quantile(dense, 0.5)};
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /** The student: {@value #BLOCKS} dense blocks named {@code block.N.dense} (type "dense") and {@code out}. */
    static MultiLayerNetwork student(double learningRate, long seed) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER)
                .updater(new Adam(learningRate)).list();
        for (int i = 0; i < BLOCKS; i++) {
            b.layer(new DenseLayer.Builder().name("block." + i + ".dense").nIn(i == 0 ? INPUTS : HIDDEN)
                    .nOut(HIDDEN).activation(Activation.TANH).build());
        }
        b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(HIDDEN).nOut(CLASSES)
                .activation(Activation.SOFTMAX).build());
        MultiLayerNetwork net = new MultiLayerNetwork(b.build());
        net.init();
        return net;
    }

    /** Gaussian inputs labelled by the argmax of a fixed random tanh teacher (16 → 32 → 4). */
    static List<DataSet> teacherData(int n, long seed) {
        Random teacher = new Random(1234);
        double[][] w1 = gaussian(teacher, 32, INPUTS);
        double[][] w2 = gaussian(teacher, CLASSES, 32);
        Random rnd = new Random(seed);
        List<DataSet> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] x = new float[INPUTS];
            double[] xd = new double[INPUTS];
            for (int j = 0; j < INPUTS; j++) {
                xd[j] = rnd.nextGaussian();
                x[j] = (float) xd[j];
            }
            double[] h = new double[32];
            for (int k = 0; k < 32; k++) {
                double s = 0;
                for (int j = 0; j < INPUTS; j++) {
                    s += w1[k][j] * xd[j];
                }
                h[k] = Math.tanh(s / Math.sqrt(INPUTS));
            }
            int best = 0;
            double bestV = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < CLASSES; c++) {
                double s = 0;
                for (int k = 0; k < 32; k++) {
                    s += w2[c][k] * h[k];
                }
                if (s > bestV) {
                    bestV = s;
                    best = c;
                }
            }
            float[] y = new float[CLASSES];
            y[best] = 1;
            out.add(new DataSet(org.nd4j.linalg.factory.Nd4j.create(x, 1, INPUTS),
                    org.nd4j.linalg.factory.Nd4j.create(y, 1, CLASSES)));
        }
        return out;
    }

    private static double[][] gaussian(Random r, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = r.nextGaussian();
            }
        }
        return m;
    }

    private static DataSetIterator iterator(List<DataSet> examples) {
        return new ListDataSetIterator<>(examples, BATCH);
    }

    private static void printTable(PrintWriter w, SweepResult result) {
        int best = result.best().map(CandidateResult::index).orElse(-1);
        w.printf(Locale.ROOT, "| # | status | top %% | min SNR | %s | iterations | wall-clock ms | updater state KiB | peak RSS MiB "
                + "| note |%n", result.scoreName());
        w.println("|---|---|---|---|---|---|---|---|---|---|");
        for (CandidateResult r : result.candidates()) {
            String top = r.candidate().map(c -> fmt(c.spectrum().topPercent())).orElse("");
            String snr = r.candidate().map(SweepCandidate::spectrum)
                    .map(s -> Double.isInfinite(s.minSnr()) ? "none" : String.format(Locale.ROOT, "%.4g",
                            s.minSnr())).orElse("");
            String score = r.isCompleted() ? String.format(Locale.ROOT, "%.4f", r.score()) : "";
            String note = r.index() == best ? "best" : r.failure().orElse("");
            w.printf(Locale.ROOT, "| %d | %s | %s | %s | %s | %d | %d | %.1f | %.0f | %s |%n", r.index(),
                    r.status().name().toLowerCase(Locale.ROOT), top, snr, score, r.iterations(),
                    r.resources().wallClock().toMillis(), r.resources().updaterStateBytes() / 1024.0,
                    r.resources().peakRssBytes() / 1048576.0, note);
        }
        w.printf(Locale.ROOT, "%n%d candidates (%d completed, %d failed) in %.1f s; seed %s; Arbiter %s, DL4J %s%n",
                result.candidates().size(), result.completed().size(), result.failed().size(),
                result.wallClock().toMillis() / 1000.0, result.provenance().configuration().get("seed"),
                SpectrumSweep.ARBITER_VERSION, result.provenance().dl4jVersion());
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
