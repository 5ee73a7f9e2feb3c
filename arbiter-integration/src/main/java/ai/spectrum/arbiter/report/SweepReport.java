package ai.spectrum.arbiter.report;

import ai.spectrum.Provenance;
import ai.spectrum.arbiter.CandidateResult;
import ai.spectrum.arbiter.SweepResult;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes all sweep reports into one directory: {@code sweep.csv}, {@code sweep.html} and {@code sweep.json}. */
public final class SweepReport {
    /** Name of the CSV file written by {@link #writeAll}. */
    public static final String CSV = "sweep.csv";
    /** Name of the HTML file written by {@link #writeAll}. */
    public static final String HTML = "sweep.html";
    /** Name of the JSON file written by {@link #writeAll}. */
    public static final String JSON = "sweep.json";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SweepReport() {
    }

    /**
     * Writes the three files, creating {@code dir} if needed.
     *
     * @return the directory
     */
    public static Path writeAll(SweepResult result, Path dir) {
        try {
            Files.createDirectories(dir);
            SweepCsv.write(result, dir.resolve(CSV));
            SweepHtml.write(result, dir.resolve(HTML));
            MAPPER.writeValue(dir.resolve(JSON).toFile(), toJsonTree(result));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write sweep reports to " + dir, e);
        }
        return dir;
    }

    /**
     * The result as plain maps and lists (JSON-ready): score name and direction, best index, wall clock, every
     * candidate and the provenance. Non-finite numbers are written as strings.
     */
    public static Map<String, Object> toJsonTree(SweepResult result) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("score", result.scoreName());
        root.put("minimize", result.minimize());
        root.put("best", result.best().map(CandidateResult::index).orElse(null));
        root.put("wallClockMillis", result.wallClock().toMillis());
        List<Map<String, Object>> candidates = new ArrayList<>();
        for (CandidateResult r : result.candidates()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("index", r.index());
            c.put("status", r.status().name());
            c.put("score", number(r.score()));
            c.put("settings", r.candidate().map(x -> (Object) x.asMap()).orElse(null));
            c.put("iterations", r.iterations());
            c.put("trainingLoss", number(r.trainingLoss()));
            c.put("wallClockMillis", r.resources().wallClock().toMillis());
            c.put("peakHeapBytes", r.resources().peakHeapBytes());
            c.put("peakRssBytes", r.resources().peakRssBytes());
            c.put("updaterStateBytes", r.resources().updaterStateBytes());
            c.put("failure", r.failure().orElse(null));
            candidates.add(c);
        }
        root.put("candidates", candidates);
        Provenance p = result.provenance();
        Map<String, Object> prov = new LinkedHashMap<>();
        prov.put("pluginVersion", p.pluginVersion());
        prov.put("dl4jVersion", p.dl4jVersion());
        prov.put("backend", p.backend());
        prov.put("javaVersion", p.javaVersion());
        prov.put("os", p.os());
        prov.put("arch", p.arch());
        prov.put("timestamp", p.timestamp().toString());
        prov.put("configuration", new java.util.TreeMap<>(p.configuration()));
        root.put("provenance", prov);
        return root;
    }

    private static Object number(double v) {
        return Double.isFinite(v) ? (Object) v : Double.toString(v);
    }
}
