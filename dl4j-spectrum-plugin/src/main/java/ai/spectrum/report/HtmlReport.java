package ai.spectrum.report;

import ai.spectrum.Provenance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A self-contained HTML report: inline SVG line charts, heatmaps and tables, no script or style from the network.
 * A small inline script counts the plotted marks that the browser actually laid out (non-empty bounding box)
 * and stores the count in {@code body[data-rendered]}, so a headless browser can prove the plots rendered.
 *
 * <pre>{@code
 * HtmlReport.builder("Fine-tuning").addLineChart("Validation loss", "step", "loss", series).build().write(path);
 * }</pre>
 */
public final class HtmlReport {
    private static final String[] PALETTE = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
            "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    private final String html;
    private final int plottedMarks;

    private HtmlReport(String html, int plottedMarks) {
        this.html = html;
        this.plottedMarks = plottedMarks;
    }

    /** A builder for a report with the given title. */
    public static Builder builder(String title) {
        return new Builder(title);
    }

    /** The page. */
    public String html() {
        return html;
    }

    /** How many plotted marks (lines, heatmap cells) the page holds; a browser reports the same in data-rendered. */
    public int plottedMarks() {
        return plottedMarks;
    }

    /** Writes the page, creating parent directories. */
    public Path write(Path file) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        return Files.writeString(file, html, StandardCharsets.UTF_8);
    }

    private static String esc(String s) {
        return Html.escape(s);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** Builds a report section by section, in order. */
    public static final class Builder {
        private final String title;
        private final StringBuilder body = new StringBuilder();
        private int marks;

        private Builder(String title) {
            this.title = Objects.requireNonNull(title, "title");
        }

        /** A paragraph of plain text. */
        public Builder addParagraph(String text) {
            body.append("<p>").append(esc(text)).append("</p>\n");
            return this;
        }

        /**
         * A line chart.
         *
         * @param series name → points {@code [[x, y], …]}; non-finite points are skipped; at least one series
         * @throws IllegalArgumentException if there is no finite point at all
         */
        public Builder addLineChart(String chartTitle, String xLabel, String yLabel, Map<String, double[][]> series) {
            return lineChart(chartTitle, xLabel, yLabel, series, Map.of(), 640, 320);
        }

        /**
         * A larger line chart (880 × 420) with a shaded band around each series, e.g. the mean over seeds with the
         * range of the seeds.
         *
         * @param series name → points {@code [[x, y], …]}
         * @param bands  name (as in {@code series}) → band points {@code [[x, low, high], …]}; a series without a
         *               band, or a band of fewer than two finite points, is drawn as a line only
         */
        public Builder addBandChart(String chartTitle, String xLabel, String yLabel, Map<String, double[][]> series,
                                    Map<String, double[][]> bands) {
            for (String name : bands.keySet()) {
                if (!series.containsKey(name)) {
                    throw new IllegalArgumentException("band chart '" + chartTitle + "': band '" + name
                            + "' has no series");
                }
            }
            return lineChart(chartTitle, xLabel, yLabel, series, bands, 880, 420);
        }

        private Builder lineChart(String chartTitle, String xLabel, String yLabel, Map<String, double[][]> series,
                                  Map<String, double[][]> bands, int w, int h) {
            double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY;
            double minY = Double.POSITIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
            for (double[][] pts : series.values()) {
                for (double[] p : pts) {
                    if (Double.isFinite(p[0]) && Double.isFinite(p[1])) {
                        minX = Math.min(minX, p[0]);
                        maxX = Math.max(maxX, p[0]);
                        minY = Math.min(minY, p[1]);
                        maxY = Math.max(maxY, p[1]);
                    }
                }
            }
            for (double[][] pts : bands.values()) {
                for (double[] p : pts) {
                    if (Double.isFinite(p[0]) && Double.isFinite(p[1]) && Double.isFinite(p[2])) {
                        minY = Math.min(minY, Math.min(p[1], p[2]));
                        maxY = Math.max(maxY, Math.max(p[1], p[2]));
                    }
                }
            }
            if (!Double.isFinite(minX)) {
                throw new IllegalArgumentException("line chart '" + chartTitle + "' has no finite point");
            }
            if (maxX == minX) {
                maxX = minX + 1;
            }
            if (maxY == minY) {
                maxY = minY + 1;
            }
            int l = 60, r = 170, t = 20, b = 40;
            double sx = (w - l - r) / (maxX - minX), sy = (h - t - b) / (maxY - minY);
            StringBuilder svg = new StringBuilder();
            svg.append("<h2>").append(esc(chartTitle)).append("</h2>\n<svg width=\"").append(w).append("\" height=\"")
                    .append(h).append("\" role=\"img\" aria-label=\"").append(esc(chartTitle)).append("\">\n");
            svg.append("<line x1=\"").append(l).append("\" y1=\"").append(h - b).append("\" x2=\"").append(w - r)
                    .append("\" y2=\"").append(h - b).append("\" stroke=\"#333\"/>");
            svg.append("<line x1=\"").append(l).append("\" y1=\"").append(t).append("\" x2=\"").append(l)
                    .append("\" y2=\"").append(h - b).append("\" stroke=\"#333\"/>\n");
            for (int i = 0; i <= 4; i++) {
                double yv = minY + (maxY - minY) * i / 4;
                double xv = minX + (maxX - minX) * i / 4;
                svg.append("<text x=\"").append(l - 5).append("\" y=\"").append(num(h - b - (yv - minY) * sy + 4))
                        .append("\" text-anchor=\"end\" font-size=\"10\">").append(String.format(Locale.ROOT, "%.3g", yv))
                        .append("</text>");
                svg.append("<text x=\"").append(num(l + (xv - minX) * sx)).append("\" y=\"").append(h - b + 14)
                        .append("\" text-anchor=\"middle\" font-size=\"10\">")
                        .append(String.format(Locale.ROOT, "%.3g", xv)).append("</text>\n");
            }
            svg.append("<text x=\"").append((w - r + l) / 2).append("\" y=\"").append(h - 5)
                    .append("\" text-anchor=\"middle\" font-size=\"12\">").append(esc(xLabel)).append("</text>");
            svg.append("<text x=\"14\" y=\"").append((h - b + t) / 2).append("\" font-size=\"12\" transform=\"rotate(-90 14 ")
                    .append((h - b + t) / 2).append(")\" text-anchor=\"middle\">").append(esc(yLabel)).append("</text>\n");
            int k = 0;
            for (Map.Entry<String, double[][]> e : series.entrySet()) {
                String color = PALETTE[k % PALETTE.length];
                double[][] band = bands.get(e.getKey());
                if (band != null) {
                    StringBuilder upper = new StringBuilder();
                    StringBuilder lower = new StringBuilder();
                    int n = 0;
                    for (double[] p : band) {
                        if (Double.isFinite(p[0]) && Double.isFinite(p[1]) && Double.isFinite(p[2])) {
                            upper.append(upper.length() == 0 ? "M" : " L").append(num(l + (p[0] - minX) * sx))
                                    .append(',').append(num(h - b - (Math.max(p[1], p[2]) - minY) * sy));
                            lower.insert(0, " L" + num(l + (p[0] - minX) * sx) + ","
                                    + num(h - b - (Math.min(p[1], p[2]) - minY) * sy));
                            n++;
                        }
                    }
                    if (n >= 2) {
                        svg.append("<path data-plot=\"band\" d=\"").append(upper).append(lower).append(" Z\" fill=\"")
                                .append(color).append("\" fill-opacity=\"0.15\" stroke=\"none\"><title>")
                                .append(esc(e.getKey())).append(" (range over seeds)</title></path>\n");
                        marks++;
                    }
                }
                StringBuilder d = new StringBuilder();
                for (double[] p : e.getValue()) {
                    if (Double.isFinite(p[0]) && Double.isFinite(p[1])) {
                        d.append(d.length() == 0 ? "M" : " L").append(num(l + (p[0] - minX) * sx)).append(',')
                                .append(num(h - b - (p[1] - minY) * sy));
                    }
                }
                if (d.length() > 0) {
                    svg.append("<path data-plot=\"line\" d=\"").append(d).append("\" fill=\"none\" stroke=\"")
                            .append(color).append("\" stroke-width=\"2\"><title>").append(esc(e.getKey()))
                            .append("</title></path>\n");
                    marks++;
                }
                svg.append("<rect x=\"").append(w - r + 10).append("\" y=\"").append(t + 16 * k).append("\" width=\"10\" height=\"10\" fill=\"")
                        .append(color).append("\"/><text x=\"").append(w - r + 24).append("\" y=\"").append(t + 16 * k + 9)
                        .append("\" font-size=\"11\">").append(esc(e.getKey())).append("</text>\n");
                k++;
            }
            body.append(svg).append("</svg>\n");
            return this;
        }

        /**
         * A heatmap of values, e.g. SNR of each module (rows) at each re-selection (columns). Colour encodes the
         * value on a log scale when all finite values are positive; marked cells get a black outline (trained).
         * Non-finite cells are grey.
         */
        public Builder addHeatmap(String chartTitle, List<String> rowLabels, List<String> colLabels, double[][] values,
                                  boolean[][] marked) {
            if (values.length != rowLabels.size() || marked.length != rowLabels.size()) {
                throw new IllegalArgumentException("heatmap '" + chartTitle + "': " + rowLabels.size() + " row labels, "
                        + values.length + " value rows, " + marked.length + " mark rows");
            }
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < values.length; i++) {
                if (values[i].length != colLabels.size() || marked[i].length != colLabels.size()) {
                    throw new IllegalArgumentException("heatmap '" + chartTitle + "': row " + i + " has "
                            + values[i].length + " values for " + colLabels.size() + " columns");
                }
                for (double v : values[i]) {
                    if (Double.isFinite(v)) {
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
            }
            boolean log = min > 0;
            double lo = log ? Math.log(min) : min, hi = log ? Math.log(max) : max;
            int cell = 14, labelW = 260, top = 20;
            int w = labelW + cell * colLabels.size() + 20, h = top + cell * rowLabels.size() + 20;
            StringBuilder svg = new StringBuilder("<h2>").append(esc(chartTitle)).append("</h2>\n<p class=\"note\">")
                    .append(String.format(Locale.ROOT, "colour: %s scale from %.3g (dark) to %.3g (bright); outlined = trained",
                            log ? "log" : "linear", min, max)).append("</p>\n<svg width=\"").append(w)
                    .append("\" height=\"").append(h).append("\">\n");
            for (int i = 0; i < rowLabels.size(); i++) {
                int y = top + i * cell;
                svg.append("<text x=\"").append(labelW - 4).append("\" y=\"").append(y + cell - 3)
                        .append("\" text-anchor=\"end\" font-size=\"10\">").append(esc(rowLabels.get(i))).append("</text>");
                for (int j = 0; j < colLabels.size(); j++) {
                    double v = values[i][j];
                    String fill;
                    if (Double.isFinite(v)) {
                        double f = hi == lo ? 0.5 : ((log ? Math.log(v) : v) - lo) / (hi - lo);
                        fill = color(f);
                    } else {
                        fill = "#bbbbbb";
                    }
                    svg.append("<rect data-plot=\"cell\" x=\"").append(labelW + j * cell).append("\" y=\"").append(y)
                            .append("\" width=\"").append(cell - 1).append("\" height=\"").append(cell - 1)
                            .append("\" fill=\"").append(fill).append('"')
                            .append(marked[i][j] ? " stroke=\"#000\" stroke-width=\"1.5\"" : "")
                            .append("><title>").append(esc(rowLabels.get(i))).append(" @ ").append(esc(colLabels.get(j)))
                            .append(": ").append(String.format(Locale.ROOT, "%.4g", v)).append(marked[i][j] ? " (trained)" : "")
                            .append("</title></rect>");
                    marks++;
                }
                svg.append('\n');
            }
            body.append(svg).append("</svg>\n");
            return this;
        }

        /** A table; every row must have as many cells as the header. */
        public Builder addTable(String tableTitle, List<String> header, List<List<String>> rows) {
            StringBuilder sb = new StringBuilder("<h2>").append(esc(tableTitle)).append("</h2>\n<table>\n<tr>");
            header.forEach(hd -> sb.append("<th>").append(esc(hd)).append("</th>"));
            sb.append("</tr>\n");
            for (List<String> row : rows) {
                if (row.size() != header.size()) {
                    throw new IllegalArgumentException("table '" + tableTitle + "': row " + row + " has " + row.size()
                            + " cells for " + header.size() + " columns");
                }
                sb.append("<tr>");
                row.forEach(c -> sb.append("<td>").append(esc(c)).append("</td>"));
                sb.append("</tr>\n");
            }
            body.append(sb).append("</table>\n");
            return this;
        }

        /** The provenance, as a definition list at the end. */
        public Builder addProvenance(Provenance p) {
            return addTable("Provenance", List.of("key", "value"), Html.provenanceRows(p));
        }

        public HtmlReport build() {
            String page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title)
                    + "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1100px}"
                    + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
                    + "th{background:#f3f3f3}.note{color:#555;font-size:90%}</style></head>\n<body>\n<h1>" + esc(title)
                    + "</h1>\n" + body
                    + "<script>window.addEventListener('load',function(){var n=0;"
                    + "document.querySelectorAll('[data-plot]').forEach(function(e){var b=e.getBBox();"
                    + "if(b.width>0||b.height>0)n++;});document.body.setAttribute('data-rendered',String(n));});"
                    + "</script>\n</body></html>\n";
            return new HtmlReport(page, marks);
        }

        /** A dark-blue → yellow ramp for f in [0, 1]. */
        private static String color(double f) {
            f = Math.max(0, Math.min(1, f));
            int r = (int) Math.round(68 + f * (253 - 68));
            int g = (int) Math.round(1 + f * (231 - 1));
            int b = (int) Math.round(84 + f * (37 - 84));
            return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
        }
    }
}
