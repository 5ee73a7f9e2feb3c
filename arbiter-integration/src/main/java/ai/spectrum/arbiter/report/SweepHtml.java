package ai.spectrum.arbiter.report;

import ai.spectrum.Provenance;
import ai.spectrum.arbiter.CandidateResult;
import ai.spectrum.arbiter.SweepResult;
import ai.spectrum.report.Html;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a sweep as one self-contained HTML page: summary, best configuration, one inline-SVG chart of score against
 * each setting that varies, the full candidate table (wall-clock and memory included) and the provenance. No
 * scripts, fonts or styles are loaded from anywhere, so the page works offline.
 */
public final class SweepHtml {
    private static final int W = 380;
    private static final int H = 230;
    private static final int LEFT = 70;
    private static final int RIGHT = 15;
    private static final int TOP = 15;
    private static final int BOTTOM = 45;

    private SweepHtml() {
    }

    /** Writes {@link #toHtml} to {@code file} in UTF-8. */
    public static void write(SweepResult result, Path file) {
        try {
            Files.writeString(file, toHtml(result), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write sweep HTML to " + file, e);
        }
    }

    /** The page. */
    public static String toHtml(SweepResult result) {
        SweepTable table = SweepTable.of(result);
        Optional<CandidateResult> best = result.best();
        StringBuilder sb = new StringBuilder(16_384);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>Spectrum sweep</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:1.5em;color:#222}")
                .append("table{border-collapse:collapse;font-size:0.85em}")
                .append("td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}")
                .append("th{background:#f0f0f0}tr.best td{background:#dff5df}tr.failed td{color:#a00}")
                .append("td.text{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:1em}")
                .append("figure{margin:0}figcaption{font-size:0.85em;text-align:center}")
                .append("code{background:#f5f5f5;padding:2px 4px}\n</style>\n</head>\n<body>\n");
        sb.append("<h1>Spectrum sweep</h1>\n<p>")
                .append(result.candidates().size()).append(" candidates: ")
                .append(result.completed().size()).append(" completed, ")
                .append(result.failed().size()).append(" failed. Score <b>").append(esc(result.scoreName()))
                .append("</b> (").append(result.minimize() ? "lower" : "higher").append(" is better). Total time ")
                .append(String.format(Locale.ROOT, "%.1f", result.wallClock().toMillis() / 1000.0))
                .append(" s.</p>\n");

        sb.append("<h2>Best configuration</h2>\n");
        if (best.isPresent()) {
            CandidateResult b = best.get();
            sb.append("<p>Candidate #").append(b.index()).append(", ").append(esc(result.scoreName())).append(" = ")
                    .append(b.score()).append("</p>\n<table>\n");
            for (Map.Entry<String, String> e : b.candidate().orElseThrow().asMap().entrySet()) {
                sb.append("<tr><th>").append(esc(e.getKey())).append("</th><td class=\"text\">")
                        .append(esc(e.getValue())).append("</td></tr>\n");
            }
            sb.append("</table>\n<p>As a listener: <code>result.bestListener()</code></p>\n");
        } else {
            sb.append("<p>No candidate completed.</p>\n");
        }

        sb.append("<h2>Score against each setting</h2>\n<div class=\"charts\">\n");
        int charts = 0;
        for (String setting : table.settings()) {
            List<String[]> points = new ArrayList<>();
            for (CandidateResult r : result.completed()) {
                String v = r.candidate().orElseThrow().asMap().get(setting);
                if (v != null) {
                    points.add(new String[] {v, Double.toString(r.score()), Integer.toString(r.index())});
                }
            }
            if (points.stream().map(p -> p[0]).distinct().count() > 1) {
                sb.append(chart(setting, result.scoreName(), points, best.map(CandidateResult::index).orElse(-1)));
                charts++;
            }
        }
        if (charts == 0) {
            sb.append("<p>No setting varies across completed candidates.</p>\n");
        }
        sb.append("</div>\n");

        sb.append("<h2>Candidates</h2>\n<table>\n<tr>");
        table.header().forEach(h -> sb.append("<th>").append(esc(h)).append("</th>"));
        sb.append("</tr>\n");
        int bestIndex = best.map(CandidateResult::index).orElse(-1);
        for (int i = 0; i < table.rows().size(); i++) {
            CandidateResult r = result.candidates().get(i);
            String cls = r.index() == bestIndex ? " class=\"best\"" : (r.isCompleted() ? "" : " class=\"failed\"");
            sb.append("<tr").append(cls).append(">");
            List<String> row = table.rows().get(i);
            for (int c = 0; c < row.size(); c++) {
                boolean text = c == 1 || c == row.size() - 1;
                sb.append(text ? "<td class=\"text\">" : "<td>").append(esc(row.get(c))).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</table>\n");

        Provenance p = result.provenance();
        sb.append("<h2>Provenance</h2>\n<table>\n");
        Html.provenanceRows(p).forEach(r -> row(sb, r.get(0), r.get(1)));
        sb.append("</table>\n</body>\n</html>\n");
        return sb.toString();
    }

    private static void row(StringBuilder sb, String key, String value) {
        sb.append("<tr><th>").append(esc(key)).append("</th><td class=\"text\">").append(esc(value))
                .append("</td></tr>\n");
    }

    /** One scatter plot; points are {value, score, index}. */
    private static String chart(String setting, String scoreName, List<String[]> points, int bestIndex) {
        boolean numeric = points.stream().allMatch(p -> isFinite(p[0]));
        List<String> categories = new ArrayList<>(new LinkedHashSet<>(points.stream().map(p -> p[0]).toList()));
        double xMin = 0;
        double xMax = categories.size() - 1;
        boolean log = false;
        if (numeric) {
            xMin = points.stream().mapToDouble(p -> Double.parseDouble(p[0])).min().orElseThrow();
            xMax = points.stream().mapToDouble(p -> Double.parseDouble(p[0])).max().orElseThrow();
            log = xMin > 0 && xMax / xMin >= 50;
            if (log) {
                xMin = Math.log10(xMin);
                xMax = Math.log10(xMax);
            }
        }
        double yMin = points.stream().mapToDouble(p -> Double.parseDouble(p[1])).min().orElseThrow();
        double yMax = points.stream().mapToDouble(p -> Double.parseDouble(p[1])).max().orElseThrow();
        if (yMax == yMin) {
            double pad = yMin == 0 ? 1 : Math.abs(yMin) * 0.1;
            yMin -= pad;
            yMax += pad;
        }
        double plotW = W - LEFT - RIGHT;
        double plotH = H - TOP - BOTTOM;
        StringBuilder sb = new StringBuilder();
        sb.append("<figure><svg width=\"").append(W).append("\" height=\"").append(H)
                .append("\" role=\"img\" aria-label=\"").append(esc(scoreName)).append(" against ")
                .append(esc(setting)).append("\">\n");
        sb.append(String.format(Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" stroke=\"#999\"/>\n",
                LEFT, TOP, plotW, plotH));
        text(sb, LEFT - 5, TOP + 10, "end", fmt(yMax));
        text(sb, LEFT - 5, TOP + plotH, "end", fmt(yMin));
        sb.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 14 %.0f)\">%s</text>\n", TOP + plotH / 2, TOP + plotH / 2, esc(scoreName)));
        if (numeric) {
            text(sb, LEFT, H - BOTTOM + 14, "start", fmt(log ? Math.pow(10, xMin) : xMin));
            text(sb, W - RIGHT, H - BOTTOM + 14, "end", fmt(log ? Math.pow(10, xMax) : xMax));
        } else {
            for (int i = 0; i < categories.size(); i++) {
                String c = categories.get(i);
                String label = isFinite(c) ? fmt(Double.parseDouble(c)) : c;
                text(sb, x(i, xMin, xMax, plotW), H - BOTTOM + 14, "middle", label);
            }
        }
        text(sb, LEFT + plotW / 2, H - 8, "middle", setting + (log ? " (log scale)" : ""));
        for (String[] p : points) {
            double xv = numeric ? Double.parseDouble(p[0]) : categories.indexOf(p[0]);
            if (log) {
                xv = Math.log10(xv);
            }
            double px = x(xv, xMin, xMax, plotW);
            double py = TOP + plotH - (Double.parseDouble(p[1]) - yMin) / (yMax - yMin) * plotH;
            boolean isBest = Integer.parseInt(p[2]) == bestIndex;
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\" "
                            + "fill-opacity=\"0.8\"><title>#%s %s=%s, %s=%s</title></circle>\n", px, py,
                    isBest ? 6 : 4, isBest ? "#1a8f1a" : "#3366aa", p[2], esc(setting), esc(p[0]),
                    esc(scoreName), p[1]));
        }
        sb.append("</svg><figcaption>").append(esc(scoreName)).append(" against ").append(esc(setting))
                .append(" (best in green)</figcaption></figure>\n");
        return sb.toString();
    }

    private static double x(double v, double min, double max, double plotW) {
        double margin = 12;
        return max == min ? LEFT + plotW / 2 : LEFT + margin + (v - min) / (max - min) * (plotW - 2 * margin);
    }

    private static void text(StringBuilder sb, double x, double y, String anchor, String s) {
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"%s\">%s"
                + "</text>\n", x, y, anchor, esc(s)));
    }

    private static boolean isFinite(String s) {
        try {
            return Double.isFinite(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }

    private static String esc(String s) {
        return Html.escape(s);
    }
}
