package ai.spectrum.samples.bench;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.cli.ExitCodes;
import ai.spectrum.samples.SpectrumSamples;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
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
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code spectrum bench-scan}: the whole-process {@code spectrum scan} of a checkpoint side by side with the numpy
 * reference ({@code reference_scan.py}, float32 {@code svd(compute_uv=False)}) on the same files, each in its own
 * process, in one run; prints both wall times, their ratio, CPU times and both peak resident set sizes (from
 * {@code getrusage(RUSAGE_CHILDREN)} of a python wrapper around each), how far the SNRs agree, and the single
 * 4096×4096 matrix time with 1 and 2 analyzer threads.
 */
@Command(name = "bench-scan", mixinStandardHelpOptions = true,
        description = "Whole-process 'spectrum scan' of a (synthetic) checkpoint vs the numpy reference on the same "
                + "files: time ratio and peak RSS of each, plus one 4096x4096 matrix with 1 and 2 threads.")
public final class BenchScanCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Runs a command, then prints its exit code, wall seconds, peak RSS in KiB and CPU seconds on the last line. */
    private static final String MEASURE = "import resource, subprocess, sys, time\n"
            + "t = time.perf_counter()\n"
            + "with open(sys.argv[1], 'wb') as out:\n"
            + "    code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.STDOUT).returncode\n"
            + "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            + "print('%d %.3f %d %.3f' % (code, time.perf_counter() - t, r.ru_maxrss, r.ru_utime + r.ru_stime))\n";

    @Spec
    CommandSpec spec;

    @Option(names = "--shape", defaultValue = "llama-3.2-1b", paramLabel = "NAME",
            description = "Checkpoint shape, as make-checkpoint; default ${DEFAULT-VALUE}.")
    String shape;

    @Option(names = "--checkpoint", paramLabel = "DIR", description = "Checkpoint directory; default "
            + "target/bench-scan/<shape>. Written (seed 1) when it holds no checkpoint yet.")
    Path checkpoint;

    @Option(names = "--threads", paramLabel = "N", description = "scan --threads; default the number of processors.")
    Integer threads;

    @Option(names = "--java-options", paramLabel = "OPTS", defaultValue = "-Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
            description = "JVM options of the scan process; default ${DEFAULT-VALUE} (C1 only: the arithmetic is "
                    + "native, and skipping C2 saves about a second of JIT work at start-up).")
    String javaOptions;

    @Option(names = "--no-launcher", description = "Run the scan as java <options> -cp <class path> <main class> "
            + "instead of through the launcher next to the jar (target/spectrum, which adds the class-data-sharing "
            + "archive the build wrote).")
    boolean noLauncher;

    @Option(names = "--single-size", defaultValue = "4096", paramLabel = "N",
            description = "Side of the single-matrix timing (0 skips it); default ${DEFAULT-VALUE}.")
    int singleSize;

    @Option(names = "--python", defaultValue = "python3", description = "Python with numpy; default ${DEFAULT-VALUE}.")
    String python;

    @Override
    public Integer call() throws Exception {
        CheckpointShape s = CheckpointShape.named(shape);
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        Path dir = checkpoint != null ? checkpoint : Path.of("target", "bench-scan", s.name());
        Path model = ensureCheckpoint(s, dir);
        PrintWriter w = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("spectrum-bench-scan");
        Path script = work.resolve("reference_scan.py");
        try (InputStream in = BenchScanCommand.class.getResourceAsStream("reference_scan.py")) {
            Files.copy(in, script);
        }
        w.printf(Locale.ROOT, "checkpoint=%s shape=%s bytes=%d threads=%d processors=%d load=%s java_options=%s%n",
                model, s.name(), s.dataBytes(), n, Runtime.getRuntime().availableProcessors(), loadAverage(),
                javaOptions);
        w.flush();
        Optional<Path> launcher = noLauncher ? Optional.empty() : launcher();
        List<String> java = new ArrayList<>();
        Map<String, String> env = new HashMap<>();
        if (launcher.isPresent()) {
            // the user's command: the launcher, with this Java and the options in its variables
            java.add(launcher.get().toString());
            env.put("JAVA_HOME", System.getProperty("java.home"));
            env.put("JAVA_OPTS", javaOptions.trim());
            prepareLauncher(launcher.get(), work, env);
        } else {
            java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            if (!javaOptions.isBlank()) {
                java.addAll(List.of(javaOptions.trim().split("\\s+")));
            }
            java.addAll(List.of("-cp", System.getProperty("java.class.path"), SpectrumSamples.class.getName()));
        }
        java.addAll(List.of("scan", model.toString(), "--out", work.resolve("out").toString(), "--progress", "never",
                "--threads", Integer.toString(n)));
        w.printf(Locale.ROOT, "scan_command=%s%s%n", launcher.isPresent() ? "JAVA_OPTS='" + javaOptions.trim() + "' "
                : "", String.join(" ", java));
        w.flush();
        Measured j = measure(work, "java", java, env);
        Measured p = measure(work, "numpy", List.of(python, script.toString(), model.toString(), "--dtype",
                "float32"), Map.of());
        Map<String, Double> reference = new HashMap<>();
        for (String line : Files.readAllLines(p.log(), StandardCharsets.UTF_8)) {
            if (line.startsWith("{\"name\"")) {
                JsonNode node = JSON.readTree(line);
                reference.put(node.get("name").asText(), node.get("snr").asDouble());
            }
        }
        double maxRel = 0;
        int compared = 0;
        JsonNode results = JSON.readTree(resultsFile(work.resolve("out")).toFile());
        for (Iterator<Map.Entry<String, JsonNode>> it = results.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Double ref = reference.get(e.getKey());
            if (ref != null) {
                maxRel = Math.max(maxRel, Math.abs(e.getValue().get("snr").asDouble() - ref) / Math.abs(ref));
                compared++;
            }
        }
        w.printf(Locale.ROOT, "java_seconds=%.1f java_cpu_seconds=%.1f java_peak_rss_mib=%.0f%n", j.seconds(),
                j.cpuSeconds(), j.peakRssKib() / 1024.0);
        w.printf(Locale.ROOT, "numpy_seconds=%.1f numpy_cpu_seconds=%.1f numpy_peak_rss_mib=%.0f%n", p.seconds(),
                p.cpuSeconds(), p.peakRssKib() / 1024.0);
        w.printf(Locale.ROOT, "modules_compared=%d snr_max_rel_diff_vs_numpy_float32=%.2e%n", compared, maxRel);
        w.printf(Locale.ROOT, "scan_vs_numpy_cpu_ratio=%.3f (indicative on a shared machine)%n",
                j.cpuSeconds() / p.cpuSeconds());
        w.printf(Locale.ROOT, "scan_vs_numpy_time_ratio=%.3f%n", j.seconds() / p.seconds());
        w.printf(Locale.ROOT, "scan_peak_rss_ratio=%.3f%n", (double) j.peakRssKib() / p.peakRssKib());
        w.flush();
        if (singleSize > 0) {
            singleMatrix(w);
        }
        deleteTree(work);
        return ExitCodes.OK;
    }

    /** The scan's {@code snr_results_<slug>.json} (not the {@code _sorted} one). */
    private static Path resultsFile(Path out) throws IOException {
        try (var files = Files.list(out)) {
            return files.filter(f -> {
                String n = f.getFileName().toString();
                return n.startsWith("snr_results_") && n.endsWith(".json") && !n.endsWith("_sorted.json");
            }).findFirst().orElseThrow(() -> new IllegalStateException("the scan wrote no snr_results file to "
                    + out));
        }
    }

    private Path ensureCheckpoint(CheckpointShape s, Path dir) throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        Path single = dir.resolve("model.safetensors");
        if (Files.isRegularFile(index)) {
            return index;
        }
        if (Files.isRegularFile(single)) {
            return dir; // scanned as a directory, so the model is named after it
        }
        long t0 = System.nanoTime();
        Path written = SyntheticCheckpoint.write(s, dir, 1, Runtime.getRuntime().availableProcessors());
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s in %.1f s%n", written,
                (System.nanoTime() - t0) / 1e9);
        return written.equals(index) ? index : dir;
    }

    private record Measured(double seconds, long peakRssKib, double cpuSeconds, Path log) {
    }

    /**
     * The launcher the build writes next to the jar ({@code target/spectrum}), if this class runs from that jar and
     * it is there: what a user runs.
     */
    static Optional<Path> launcher() {
        try {
            Path jar = Path.of(BenchScanCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path script = jar.resolveSibling("spectrum");
            return jar.toString().endsWith(".jar") && Files.isExecutable(script) ? Optional.of(script)
                    : Optional.empty();
        } catch (java.net.URISyntaxException | SecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * One untimed launcher scan of a tiny checkpoint of its own, so that the launcher's class-data-sharing archive
     * matches this installation (after a copy or a rebuild without it, a scan rewrites it at exit) before the timed
     * scan, as it does for a user after the build or after their first scan.
     */
    private void prepareLauncher(Path launcher, Path work, Map<String, String> env) throws IOException,
            InterruptedException {
        Path tiny = SyntheticCheckpoint.write(CheckpointShape.named("llama-tiny"), work.resolve("launcher-check"), 1,
                1);
        Measured m = measure(work, "launcher-check", List.of(launcher.toString(), "scan", tiny.toString(), "--out",
                work.resolve("launcher-check-out").toString(), "--progress", "never"), env);
        spec.commandLine().getOut().printf(Locale.ROOT, "launcher_check: untimed scan of llama-tiny in %.1f s "
                + "(writes the launcher's archive if it had none for this installation)%n", m.seconds());
        spec.commandLine().getOut().flush();
    }

    private Measured measure(Path work, String label, List<String> command, Map<String, String> env)
            throws IOException, InterruptedException {
        Path log = work.resolve(label + ".log");
        List<String> cmd = new ArrayList<>(List.of(python, "-c", MEASURE, log.toString()));
        cmd.addAll(command);
        Process proc;
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().putAll(env);
            proc = pb.start();
        } catch (IOException e) {
            throw new ExitCodes.BaselineException("cannot start '" + python + "': " + e.getMessage(), e);
        }
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        proc.waitFor();
        String[] last = out.isEmpty() ? new String[0] : out.lines().reduce((a, b) -> b).orElse("").split(" ");
        if (last.length != 4 || !last[0].equals("0")) {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
            String tail = lines.isEmpty() ? out : lines.get(lines.size() - 1);
            RuntimeException e = new IllegalStateException(label + " run failed: " + tail);
            throw label.equals("numpy") ? new ExitCodes.BaselineException(e.getMessage(), e) : e;
        }
        return new Measured(Double.parseDouble(last[1]), Long.parseLong(last[2]), Double.parseDouble(last[3]), log);
    }

    /**
     * One noise-plus-signal matrix scored with 1 and with 2 threads at the scan's accuracy: best of 2 after a
     * warm-up, same bits.
     */
    private void singleMatrix(PrintWriter w) {
        Nd4j.getRandom().setSeed(42);
        INDArray m = Nd4j.randn(DataType.FLOAT, singleSize, singleSize)
                .muliRowVector(Transforms.exp(Nd4j.randn(DataType.FLOAT, 1, singleSize).muli(0.6), false))
                .addi(Nd4j.randn(DataType.FLOAT, singleSize, 8).mmul(Nd4j.randn(DataType.FLOAT, 8, singleSize))
                        .muli(2.0 / Math.sqrt(singleSize)));
        double[] best = new double[3];
        ModuleScore[] scores = new ModuleScore[3];
        for (int t : new int[]{1, 2}) {
            // the accuracy `spectrum scan` runs with (its --snr-tolerance default), as in the whole-process scans
            SpectrumAnalyzer a = SpectrumAnalyzer.builder().optThreads(t)
                    .optSnrTolerance(SpectrumAnalyzer.RANKING_SNR_TOLERANCE).build();
            a.score("m", "t", m); // warm-up
            best[t] = Double.MAX_VALUE;
            for (int r = 0; r < 2; r++) {
                long t0 = System.nanoTime();
                scores[t] = a.score("m", "t", m);
                best[t] = Math.min(best[t], (System.nanoTime() - t0) / 1e9);
            }
        }
        SpectrumAnalyzer.releaseWorkspace();
        w.printf(Locale.ROOT, "single_%dx%d_seconds threads=1: %.2f threads=2: %.2f (speed-up %.2f, same SNR bits: "
                        + "%s)%n", singleSize, singleSize, best[1], best[2], best[1] / best[2],
                Double.doubleToLongBits(scores[1].snr()) == Double.doubleToLongBits(scores[2].snr()));
        w.flush();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
