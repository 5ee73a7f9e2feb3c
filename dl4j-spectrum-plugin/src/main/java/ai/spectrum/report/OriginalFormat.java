package ai.spectrum.report;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.selection.Selection;
import ai.spectrum.selection.TypeGroup;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The files of the original Python tool (cognitivecomputations/spectrum), written byte-compatible:
 * {@code snr_results_<slug>.json}, {@code snr_results_<slug>_sorted.json} and
 * {@code snr_results_<slug>_unfrozenparameters_<P>percent.yaml}.
 */
public final class OriginalFormat {
    private static final ObjectMapper READER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private OriginalFormat() {
    }

    /** The original's file-name slug: {@code /} and {@code _} become {@code -}. */
    public static String slug(String modelName) {
        return modelName.replace('/', '-').replace('_', '-');
    }

    /** {@code 25} for whole percentages (the original takes integers), Python's float repr otherwise. */
    public static String percentLabel(double percent) {
        if (percent == Math.rint(percent) && Math.abs(percent) < 1e15) {
            return Long.toString((long) percent);
        }
        return PythonFloats.repr(percent);
    }

    /** {@code {"<module>": {"snr": <float>, "type": "<type>"}}} as Python's {@code json.dump(indent=4)}. */
    public static String resultsJson(List<ModuleScore> scores) {
        StringBuilder sb = new StringBuilder("{");
        String sep = "\n";
        for (ModuleScore s : scores) {
            sb.append(sep).append("    ").append(quote(s.name())).append(": {\n")
                    .append("        \"snr\": ").append(PythonFloats.repr(s.snr())).append(",\n")
                    .append("        \"type\": ").append(quote(s.type())).append("\n    }");
            sep = ",\n";
        }
        return sb.append(scores.isEmpty() ? "}" : "\n}").toString();
    }

    /** {@code {type: {module: snr}}}, each group ranked, as Python's {@code json.dump(indent=4)}. */
    public static String sortedJson(Selection selection) {
        StringBuilder sb = new StringBuilder("{");
        String sep = "\n";
        for (TypeGroup g : selection.groups()) {
            sb.append(sep).append("    ").append(quote(g.type())).append(": {");
            String inner = "\n";
            for (ModuleScore s : g.ranked()) {
                sb.append(inner).append("        ").append(quote(s.name())).append(": ")
                        .append(PythonFloats.repr(s.snr()));
                inner = ",\n";
            }
            sb.append(g.ranked().isEmpty() ? "}" : "\n    }");
            sep = ",\n";
        }
        return sb.append(selection.groups().isEmpty() ? "}" : "\n}").toString();
    }

    /** The Axolotl {@code unfrozen_parameters} YAML exactly as the original writes it. */
    public static String unfrozenParametersYaml(Selection selection) {
        StringBuilder sb = new StringBuilder("unfrozen_parameters:\n- ^lm_head.weight$\n- ^model.embed_tokens.weight$\n");
        for (TypeGroup g : selection.groups()) {
            sb.append("# ").append(g.type()).append(" layers\n");
            for (String name : g.selected()) {
                sb.append("- ").append(name).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * Reads a results JSON written by the original tool or by {@link #resultsJson}, in either of the original tool's
     * two shapes: flat ({@code {module: {"snr": …, "type": …}}}, as {@link #resultsJson} writes it) or nested by type
     * ({@code {type: {module: snr}}}, as the {@code _sorted.json} files and some of the original repository's results
     * files are stored). Modules keep the file's order.
     *
     * @throws IOException if the file is missing, not JSON, or not of either results shape (the message names the
     *                     file and the offending entry)
     */
    public static List<ModuleScore> readResultsJson(Path file) throws IOException {
        JsonNode root;
        try {
            root = READER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new IOException("results file not found: " + file, e);
        } catch (JsonProcessingException e) {
            throw new IOException("not valid JSON: " + file + ": " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException("not a Spectrum results file (expected a JSON object): " + file);
        }
        List<ModuleScore> out = new ArrayList<>();
        Boolean nested = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode snr = e.getValue().get("snr");
            JsonNode type = e.getValue().get("type");
            boolean flat = snr != null && snr.isNumber() && type != null && type.isTextual();
            boolean byType = !flat && isTypeGroup(e.getValue());
            if ((!flat && !byType) || (nested != null && nested != byType)) {
                throw new IOException("not a Spectrum results file: entry '" + e.getKey() + "' in " + file
                        + " needs a numeric \"snr\" and a string \"type\" (flat results) or must map module names to"
                        + " numbers (results nested by type), like the entries before it");
            }
            nested = byType;
            if (flat) {
                out.add(ModuleScore.ofValue(e.getKey(), type.asText(), snr.doubleValue()));
            } else {
                e.getValue().fields().forEachRemaining(m ->
                        out.add(ModuleScore.ofValue(m.getKey(), e.getKey(), m.getValue().doubleValue())));
            }
        }
        if (out.isEmpty()) {
            throw new IOException("results file has no modules: " + file);
        }
        return out;
    }

    /** Whether a node is a non-empty {@code {module: number}} object (one type of a nested results file). */
    private static boolean isTypeGroup(JsonNode node) {
        if (!node.isObject() || node.isEmpty()) {
            return false;
        }
        for (JsonNode v : node) {
            if (!v.isNumber()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes the three files into {@code dir} (created if needed).
     *
     * @return the paths written: results JSON, sorted JSON, YAML
     */
    public static List<Path> writeAll(Path dir, String slug, List<ModuleScore> scores, Selection selection)
            throws IOException {
        Files.createDirectories(dir);
        String base = "snr_results_" + slug;
        Path results = dir.resolve(base + ".json");
        Path sorted = dir.resolve(base + "_sorted.json");
        Path yaml = dir.resolve(base + "_unfrozenparameters_" + percentLabel(selection.topPercent()) + "percent.yaml");
        Files.writeString(results, resultsJson(scores), StandardCharsets.UTF_8);
        Files.writeString(sorted, sortedJson(selection), StandardCharsets.UTF_8);
        Files.writeString(yaml, unfrozenParametersYaml(selection), StandardCharsets.UTF_8);
        return List.of(results, sorted, yaml);
    }

    /** A JSON string as Python's json.dump writes it (ensure_ascii=True). */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
