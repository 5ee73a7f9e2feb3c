package ai.spectrum.samples.bert;

import ai.spectrum.report.HtmlReport;
import ai.spectrum.samples.bert.EraResult.Aggregate;
import ai.spectrum.samples.bert.EraResult.EvalPoint;
import ai.spectrum.samples.bert.EraResult.Run;
import ai.spectrum.samples.bert.EraResult.Stat;
import ai.spectrum.samples.bert.ExperimentResult.SnrColumn;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Writes an {@link EraResult} as {@code results.json} and {@code report.html}: accuracy and loss against steps and
 * against training wall-clock (mean over seeds, shaded range), the results table (mean ± sd over seeds), the
 * per-seed values, the SNR of every module over training with trained modules outlined (first seed), and how often
 * each module was trained.
 */
public final class EraReport {
    /** Header of {@link #tableRows}. */
    public static final List<String> TABLE_HEADER = List.of("method", "seeds", "accuracy", "macro-F1", "val loss",
            "ms/step", "ms/step ÷ FULL", "trainable params", "grad+state MB", "grad+state ÷ FULL",
            "peak RSS MB (own JVM)", "÷ FULL", "steps to FULL's acc", "train s to FULL's acc");

    private EraReport() {
    }

    /** The result as indented JSON (non-finite numbers as strings). */
    public static String toJson(EraResult result) {
        try {
            return ExperimentReport.MAPPER.writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the era result", e);
        }
    }

    /** Reads a {@code results.json} of the era task. */
    public static EraResult readJson(Path file) throws IOException {
        try {
            return ExperimentReport.MAPPER.readValue(Files.readString(file, StandardCharsets.UTF_8), EraResult.class);
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is not an era results file: " + e.getOriginalMessage(), e);
        }
    }

    /** Writes {@code results.json} and {@code report.html} into {@code dir}; returns the page. */
    public static HtmlReport write(EraResult result, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(ExperimentReport.RESULTS_JSON), toJson(result), StandardCharsets.UTF_8);
        HtmlReport page = html(result);
        page.write(dir.resolve(ExperimentReport.REPORT_HTML));
        return page;
    }

    /** One row per method (mean ± sd over seeds), under {@link #TABLE_HEADER}. */
    public static List<List<String>> tableRows(EraResult result) {
        List<List<String>> rows = new ArrayList<>();
        for (Aggregate a : result.aggregates()) {
            List<Run> runs = result.runs(a.method());
            long reached = a.stepsToFull().values().stream().filter(Double::isFinite).count();
            String reach = reached == 0 ? "not reached" : pm(a.stepsToFull(), "%.0f")
                    + (reached < a.seeds() ? " (" + reached + "/" + a.seeds() + ")" : "");
            rows.add(List.of(a.method().name(), Integer.toString(a.seeds()), pm(a.accuracy(), "%.3f"),
                    pm(a.macroF1(), "%.3f"), pm(a.loss(), "%.3f"), f("%.0f", a.msPerStep().mean()),
                    f("%.2f", a.msPerStepRatio()), String.format(Locale.ROOT, "%,d", runs.get(0).trainableParameters()),
                    f("%.1f", a.stateBytes().mean() / 1e6), f("%.3f", a.stateBytesRatio()),
                    a.memory() == null ? "n/a" : f("%.0f", a.memory().peakRssBytes() / 1e6),
                    f("%.2f", a.peakRssRatio()), reach,
                    reached == 0 ? "not reached" : pm(a.secondsToFull(), "%.1f")));
        }
        return rows;
    }

    /** The table as fixed-width text (for the console). */
    public static String textTable(EraResult result) {
        return ExperimentReport.textTable(TABLE_HEADER, tableRows(result));
    }

    /** The HTML page. */
    public static HtmlReport html(EraResult result) {
        Map<String, String> cfg = result.provenance().configuration();
        HtmlReport.Builder b = HtmlReport.builder("Spectrum and its baselines: dating State of the Union passages "
                + "to their era");
        b.addParagraph("Task: " + cfg.get("task") + " (" + String.join(", ", result.classes()) + "), balanced "
                + "classes, validation passages from addresses never trained on. Model: " + cfg.get("model") + " + "
                + cfg.get("head") + ". Each run trained " + cfg.get("steps") + " steps of " + cfg.get("batchSize")
                + " passages × " + cfg.get("sequenceLength") + " tokens; optimizer " + cfg.get("optimizer")
                + "; seeds " + cfg.get("seeds") + ". For a seed, every method saw the same batches in the same order "
                + "and started from the same weights. Curves show the mean over seeds, the shaded band the range "
                + "of the seeds.");
        addCurves(b, result, "Validation accuracy", "accuracy", EvalPoint::accuracy);
        addCurves(b, result, "Validation loss", "cross-entropy", EvalPoint::loss);
        b.addTable("Results (mean ± sd over seeds; ratios against FULL's mean in the same run)", TABLE_HEADER,
                tableRows(result));
        b.addParagraph("How it is counted. 'FULL's acc' is FULL's final validation accuracy with the same seed; "
                + "steps and seconds to it are the first evaluation at which the method reaches it (averaged over "
                + "the seeds that reach it). grad+state = gradient bytes of what trains + the optimizer state "
                + "(Adam's m and v), read from the network at the end. Peak RSS (own JVM) = the peak resident set of "
                + "a JVM that ran only this method: the same class path, heap limit, model, data and options, the "
                + "first seed, its first selection and " + cfg.getOrDefault("memorySteps", "n/a") + " steps "
                + "(kernel high-water mark VmHWM; n/a when the memory runs were off); results.json also has its "
                + "peak off-heap bytes and its exact grad+state bytes. ms/step = median wall time of the steps after the first "
                + "(re-selections included). Timings from a shared machine are noisy.");
        List<List<String>> perSeed = new ArrayList<>();
        for (Run r : result.runs()) {
            perSeed.add(List.of(r.method().name(), Long.toString(r.seed()), f("%.3f", r.last().accuracy()),
                    f("%.3f", r.last().macroF1()), f("%.3f", r.last().loss()), f("%.0f", r.medianMillisPerStep())));
        }
        b.addTable("Per seed", List.of("method", "seed", "accuracy", "macro-F1", "val loss", "ms/step"), perSeed);
        for (Aggregate a : result.aggregates()) {
            Run first = result.runs(a.method()).get(0);
            if (!first.snr().isEmpty()) {
                addHeatmap(b, result.modules(), first);
            }
        }
        addSelectionFrequency(b, result);
        b.addProvenance(result.provenance());
        return b.build();
    }

    private static void addCurves(HtmlReport.Builder b, EraResult result, String what, String yLabel,
                                  ToDoubleFunction<EvalPoint> value) {
        Map<String, double[][]> byStep = new LinkedHashMap<>();
        Map<String, double[][]> stepBands = new LinkedHashMap<>();
        Map<String, double[][]> byTime = new LinkedHashMap<>();
        Map<String, double[][]> timeBands = new LinkedHashMap<>();
        for (Aggregate a : result.aggregates()) {
            List<Run> runs = result.runs(a.method());
            int points = runs.stream().mapToInt(r -> r.validation().size()).min().orElse(0);
            double[][] s = new double[points][];
            double[][] sb = new double[points][];
            double[][] t = new double[points][];
            double[][] tb = new double[points][];
            for (int i = 0; i < points; i++) {
                final int k = i;
                Stat v = Stat.over(runs, r -> value.applyAsDouble(r.validation().get(k)));
                double lo = v.values().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
                double hi = v.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
                double step = runs.get(0).validation().get(i).step();
                double seconds = Stat.over(runs, r -> r.validation().get(k).trainMillis()).mean() / 1000;
                s[i] = new double[]{step, v.mean()};
                sb[i] = new double[]{step, lo, hi};
                t[i] = new double[]{seconds, v.mean()};
                tb[i] = new double[]{seconds, lo, hi};
            }
            String name = a.method().name();
            byStep.put(name, s);
            byTime.put(name, t);
            if (runs.size() > 1) {
                stepBands.put(name, sb);
                timeBands.put(name, tb);
            }
        }
        b.addBandChart(what + " by step", "step", yLabel, byStep, stepBands);
        b.addBandChart(what + " by training wall-clock", "training seconds (mean over seeds; evaluation excluded)",
                yLabel, byTime, timeBands);
    }

    private static void addHeatmap(HtmlReport.Builder b, List<String> modules, Run r) {
        ExperimentReport.addSnrHeatmap(b, r.method().name() + ", seed " + r.seed(), modules, r.snr());
    }

    /**
     * Share of training steps each module trained, per method over its runs that carry SNR columns (each column's
     * trained set holds until the next column).
     */
    static Map<String, double[]> selectionFrequency(EraResult result) {
        List<Aggregate> aggs = result.aggregates();
        Map<String, double[]> out = new LinkedHashMap<>();
        result.modules().forEach(m -> out.put(m, new double[aggs.size()]));
        for (int j = 0; j < aggs.size(); j++) {
            List<Run> runs = result.runs(aggs.get(j).method());
            double total = 0;
            for (Run r : runs) {
                int steps = r.trainLosses().size();
                List<SnrColumn> cols = r.snr();
                if (cols.isEmpty()) {
                    continue; // seeds after the first carry SNR columns only for SNR-selecting methods
                }
                total += steps;
                for (int c = 0; c < cols.size(); c++) {
                    int from = Math.min(steps, cols.get(c).step());
                    int to = c + 1 < cols.size() ? Math.min(steps, cols.get(c + 1).step()) : steps;
                    for (String m : cols.get(c).trained()) {
                        double[] row = out.get(m);
                        if (row != null) {
                            row[j] += Math.max(0, to - from);
                        }
                    }
                }
            }
            for (double[] row : out.values()) {
                row[j] = total == 0 ? Double.NaN : row[j] / total;
            }
        }
        return out;
    }

    private static void addSelectionFrequency(HtmlReport.Builder b, EraResult result) {
        if (result.modules().isEmpty()) {
            return;
        }
        Map<String, double[]> freq = selectionFrequency(result);
        List<String> methods = result.aggregates().stream().map(a -> a.method().name()).toList();
        double[][] values = freq.values().toArray(double[][]::new);
        boolean[][] marked = new boolean[values.length][methods.size()];
        b.addHeatmap("Selection frequency: share of training steps each module trained (all seeds)",
                new ArrayList<>(freq.keySet()), methods, values, marked);
    }

    private static String pm(Stat s, String format) {
        if (!Double.isFinite(s.mean())) {
            return "n/a";
        }
        return s.values().size() > 1 ? f(format, s.mean()) + " ± " + f(format, s.sd()) : f(format, s.mean());
    }

    private static String f(String format, double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "n/a";
    }
}
