package ai.spectrum.samples.bert;

import ai.spectrum.report.HtmlReport;
import ai.spectrum.samples.bert.ExperimentResult.Comparison;
import ai.spectrum.samples.bert.ExperimentResult.EvalPoint;
import ai.spectrum.samples.bert.ExperimentResult.MethodRun;
import ai.spectrum.samples.bert.ExperimentResult.SnrColumn;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes an {@link ExperimentResult} as {@code results.json} (Jackson, provenance included) and {@code report.html}
 * ({@link HtmlReport}: validation curves, SNR heatmaps over time, the results table, provenance).
 */
public final class ExperimentReport {
    /** The JSON file's name. */
    public static final String RESULTS_JSON = "results.json";
    /** The HTML page's name. */
    public static final String REPORT_HTML = "report.html";

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule()).addModule(new Jdk8Module())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    /** Header of {@link #tableRows}. */
    public static final List<String> TABLE_HEADER = List.of("method", "val loss start", "val loss end",
            "Δ end vs FULL", "ms/step (median)", "ms/step ÷ FULL", "trainable params", "grad+state MB",
            "grad+state ÷ FULL", "peak RSS growth MB", "RSS growth ÷ FULL", "steps to FULL's end loss",
            "train s to FULL's end loss");

    private ExperimentReport() {
    }

    /** The result as indented JSON (non-finite numbers as the strings {@code "NaN"}, {@code "Infinity"}). */
    public static String toJson(ExperimentResult result) {
        try {
            return MAPPER.writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the experiment result", e);
        }
    }

    /** Reads a {@code results.json}. */
    public static ExperimentResult readJson(Path file) throws IOException {
        try {
            return MAPPER.readValue(Files.readString(file, StandardCharsets.UTF_8), ExperimentResult.class);
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is not an experiment results file: " + e.getOriginalMessage(), e);
        }
    }

    /** Writes {@code results.json} and {@code report.html} into {@code dir} (created if needed); returns the page. */
    public static HtmlReport write(ExperimentResult result, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(RESULTS_JSON), toJson(result), StandardCharsets.UTF_8);
        HtmlReport page = html(result);
        page.write(dir.resolve(REPORT_HTML));
        return page;
    }

    /** One row per method, in run order, under {@link #TABLE_HEADER}. */
    public static List<List<String>> tableRows(ExperimentResult result) {
        Map<MlmFineTuning.Mode, Comparison> vsFull = new LinkedHashMap<>();
        result.comparisons().forEach(c -> vsFull.put(c.mode(), c));
        List<List<String>> rows = new ArrayList<>();
        for (MethodRun r : result.methods()) {
            Comparison c = vsFull.get(r.mode());
            rows.add(List.of(r.mode().name(), f("%.4f", r.validation().get(0).loss()), f("%.4f", r.finalLoss()),
                    c == null ? "-" : f("%+.4f", c.finalLossDelta()), f("%.0f", r.medianMillisPerStep()),
                    c == null ? "-" : f("%.2f", c.msPerStepRatio()), String.format(Locale.ROOT, "%,d",
                            r.trainableParameters()), f("%.1f", r.stateBytes() / 1e6),
                    c == null ? "-" : f("%.3f", c.stateBytesRatio()), f("%.0f", r.peakRssGrowthBytes() / 1e6),
                    c == null ? "-" : f("%.2f", c.peakRssGrowthRatio()),
                    c == null ? "-" : c.stepsToFullFinal() == null ? "not reached" : c.stepsToFullFinal().toString(),
                    c == null ? "-" : c.trainMillisToFullFinal() == null ? "not reached"
                            : f("%.1f", c.trainMillisToFullFinal() / 1000)));
        }
        return rows;
    }

    /** The table as fixed-width text (for the console). */
    public static String textTable(ExperimentResult result) {
        return textTable(TABLE_HEADER, tableRows(result));
    }

    /** A header and rows as a fixed-width text table: first column left-aligned, the others right-aligned. */
    static String textTable(List<String> header, List<List<String>> body) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(header);
        rows.addAll(body);
        int[] w = new int[header.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                w[i] = Math.max(w[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (List<String> row : rows) {
            sb.append('|');
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                sb.append(' ').append(i == 0 ? pad(cell, w[i], false) : pad(cell, w[i], true)).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The HTML page. */
    public static HtmlReport html(ExperimentResult result) {
        Map<String, String> cfg = result.provenance().configuration();
        HtmlReport.Builder b = HtmlReport.builder("Spectrum on all-MiniLM-L6-v2: masked-LM adaptation to State of the "
                + "Union addresses");
        b.addParagraph("Each method trained " + cfg.get("steps") + " steps of " + cfg.get("batchSize") + " passages × "
                + cfg.get("sequenceLength") + " tokens with " + cfg.get("optimizer") + ", on the same minibatches, "
                + "masks and held-out batches (" + cfg.get("validationPassages") + " validation passages from "
                + "addresses never trained on), seed " + cfg.get("seed") + ", one method after the other in one JVM. "
                + "Validation loss is the mean masked-token cross-entropy, evaluated every " + cfg.get("evalEvery")
                + " steps. all-MiniLM-L6-v2 ships without a masked-LM head, so the head's transform starts from a seeded "
                + "random initialisation and the loss starts above ln(vocabulary) ≈ 10.3: early steps mostly fit the "
                + "head, which every method trains. A short run shows early trends only: differences in final loss "
                + "of a few hundredths are within what another seed or more steps could change.");
        Map<String, double[][]> byStep = new LinkedHashMap<>();
        Map<String, double[][]> byTime = new LinkedHashMap<>();
        Map<String, double[][]> train = new LinkedHashMap<>();
        for (MethodRun r : result.methods()) {
            List<EvalPoint> v = r.validation();
            byStep.put(r.mode().name(), v.stream().map(p -> new double[]{p.step(), p.loss()}).toArray(double[][]::new));
            byTime.put(r.mode().name(), v.stream().map(p -> new double[]{p.trainMillis() / 1000, p.loss()})
                    .toArray(double[][]::new));
            double[][] t = new double[r.trainLosses().size()][];
            for (int i = 0; i < t.length; i++) {
                t[i] = new double[]{i + 1, r.trainLosses().get(i)};
            }
            train.put(r.mode().name(), t);
        }
        b.addLineChart("Validation loss by step", "step", "masked-token cross-entropy", byStep);
        b.addLineChart("Validation loss by training wall-clock", "training seconds (evaluation excluded)",
                "masked-token cross-entropy", byTime);
        b.addLineChart("Training loss (minibatch)", "step", "masked-token cross-entropy", train);
        b.addTable("Results (ratios against FULL measured in the same run)", TABLE_HEADER, tableRows(result));
        b.addParagraph("How it is counted. grad+state = gradient bytes of what trains (parameters in non-NoOp updater "
                + "blocks × 4 bytes) + the updater's state view array (Adam's m and v for those parameters), both "
                + "read from the network at the end of training. The flattened gradient array as allocated is "
                + "allocatedGradientBytes in results.json: DL4J's spans every parameter; Spectrum's compact one spans "
                + "the layers whose backprop writes a gradient (frozen SameDiff layers still do). Peak "
                + "RSS growth = the largest JavaCPP Pointer.physicalBytes() (resident set of the process) sampled "
                + "after every backward pass and every step, minus the value after GC before the method's network "
                + "was built; the methods share one JVM, so it is indicative only. ms/step = median wall time of "
                + "the fit steps after the first (Spectrum re-selections included). 'steps to FULL's end loss' = the "
                + "first evaluation at which the method's validation loss is at most FULL's final one.");
        for (MethodRun r : result.methods()) {
            addHeatmap(b, result.modules(), r);
        }
        b.addProvenance(result.provenance());
        return b.build();
    }

    private static void addHeatmap(HtmlReport.Builder b, List<String> modules, MethodRun r) {
        addSnrHeatmap(b, r.mode().name(), modules, r.snr());
    }

    /** The SNR of every module (rows) at each column, trained modules outlined, titled after the method. */
    static void addSnrHeatmap(HtmlReport.Builder b, String method, List<String> modules, List<SnrColumn> cols) {
        List<String> colLabels = new ArrayList<>();
        double[][] values = new double[modules.size()][cols.size()];
        boolean[][] marked = new boolean[modules.size()][cols.size()];
        for (int j = 0; j < cols.size(); j++) {
            SnrColumn c = cols.get(j);
            colLabels.add("step " + c.step());
            for (int i = 0; i < modules.size(); i++) {
                Double v = c.snr().get(modules.get(i));
                values[i][j] = v == null ? Double.NaN : v;
                marked[i][j] = c.trained().contains(modules.get(i));
            }
        }
        String source = cols.isEmpty() ? "" : cols.get(0).source().equals("selection")
                ? "the listener's scores at each (re-)selection" : "SpectrumAnalyzer at each evaluation";
        b.addHeatmap("SNR of every module over training: " + method + " (" + source + ")", modules, colLabels,
                values, marked);
    }

    private static String f(String format, double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "n/a";
    }

    private static String pad(String s, int w, boolean right) {
        String fill = " ".repeat(Math.max(0, w - s.length()));
        return right ? fill + s : s + fill;
    }
}
