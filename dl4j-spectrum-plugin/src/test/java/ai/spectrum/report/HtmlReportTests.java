package ai.spectrum.report;

import ai.spectrum.Provenance;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlReportTests {
    private static HtmlReport sample() {
        Map<String, double[][]> curves = new LinkedHashMap<>();
        curves.put("full", new double[][]{{0, 3.0}, {10, 2.1}, {20, 1.7}});
        curves.put("spectrum-25", new double[][]{{0, 3.0}, {10, 2.2}, {20, Double.NaN}, {30, 1.8}});
        return HtmlReport.builder("Report <test>")
                .addParagraph("a & b")
                .addLineChart("Validation loss", "step", "loss", curves)
                .addHeatmap("SNR", List.of("enc.0.q", "enc.1.q"), List.of("it 0", "it 10", "it 20"),
                        new double[][]{{0.5, 0.7, Double.POSITIVE_INFINITY}, {0.1, 0.2, 0.3}},
                        new boolean[][]{{true, true, false}, {false, false, true}})
                .addTable("Results", List.of("method", "loss"), List.of(List.of("full", "1.7")))
                .addProvenance(Provenance.capture(Map.of("seed", "42")))
                .build();
    }

    @Nested
    @DisplayName("the page")
    class Page {
        @Test
        void needsNothingFromTheNetwork() {
            String html = sample().html();
            assertFalse(html.contains("http://") || html.contains("https://") || html.contains("src="), html);
        }

        @Test
        void escapesText() {
            String html = sample().html();
            assertTrue(html.contains("Report &lt;test&gt;") && html.contains("a &amp; b"));
        }

        @Test
        void countsOneMarkPerSeriesAndHeatmapCell() {
            assertEquals(2 + 6, sample().plottedMarks());
        }

        @Test
        void rejectsRaggedInput() {
            assertThrows(IllegalArgumentException.class, () -> HtmlReport.builder("x")
                    .addTable("t", List.of("a", "b"), List.of(List.of("1"))));
            assertThrows(IllegalArgumentException.class, () -> HtmlReport.builder("x")
                    .addHeatmap("h", List.of("r"), List.of("c1", "c2"), new double[][]{{1}}, new boolean[][]{{true}}));
            assertThrows(IllegalArgumentException.class, () -> HtmlReport.builder("x")
                    .addLineChart("l", "x", "y", Map.of("s", new double[][]{{Double.NaN, 1}})));
        }
    }

    @Test
    @DisplayName("headless Chromium lays out every plotted mark")
    void chromiumRendersEveryPlottedMark(@TempDir Path dir) throws Exception {
        HeadlessChromium.requireChromium();
        HtmlReport report = sample();
        assertEquals(report.plottedMarks(), HeadlessChromium.renderedMarks(report.write(dir.resolve("r.html"))));
    }
}
