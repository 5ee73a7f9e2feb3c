package ai.spectrum.arbiter.report;

import ai.spectrum.Provenance;
import ai.spectrum.arbiter.CandidateResult;
import ai.spectrum.arbiter.ResourceUse;
import ai.spectrum.arbiter.SpectrumSettings;
import ai.spectrum.arbiter.SweepCandidate;
import ai.spectrum.arbiter.SweepResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepReportTests {
    /** Three candidates: two completed (index 1 best at 0.25), one failed with a reason that needs escaping. */
    static SweepResult sample() {
        SweepCandidate a = new SweepCandidate(new SpectrumSettings(25, Double.NEGATIVE_INFINITY, 1,
                SpectrumSettings.ReselectUnit.EPOCHS, "snr"), Map.of("learningRate", 0.1));
        SweepCandidate b = new SweepCandidate(new SpectrumSettings(50, Double.NEGATIVE_INFINITY, 1,
                SpectrumSettings.ReselectUnit.EPOCHS, "snr"), Map.of("learningRate", 0.01));
        SweepCandidate c = new SweepCandidate(new SpectrumSettings(75, Double.NEGATIVE_INFINITY, 1,
                SpectrumSettings.ReselectUnit.EPOCHS, "snr"), Map.of("learningRate", 0.001));
        return new SweepResult(List.of(
                CandidateResult.failed(2, c, "IllegalStateException: bad \"x\", <y>", 3, 1.5,
                        new ResourceUse(Duration.ofMillis(12), 1000, 2000, 0)),
                CandidateResult.completed(0, a, 0.7123456789012345, 10, 0.8,
                        new ResourceUse(Duration.ofMillis(250), 3000, 4000, 800)),
                CandidateResult.completed(1, b, 0.25, 10, 0.3, new ResourceUse(Duration.ofMillis(260), 5000, 6000, 1600))),
                "validation_loss", true, Duration.ofMillis(600), Provenance.capture(Map.of("seed", "7")));
    }

    @Nested
    class Csv {
        List<List<String>> read(String csv) throws IOException {
            CsvMapper mapper = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
            try (MappingIterator<List<String>> it = mapper.readerForListOf(String.class).readValues(csv)) {
                return it.readAll();
            }
        }

        @Test
        void hasAHeaderAndOneRowPerCandidateInIndexOrder() throws IOException {
            List<List<String>> rows = read(SweepCsv.toCsv(sample()));
            assertEquals(List.of("index", "status", "validation_loss", "topPercent", "minSnr", "reselectEvery",
                    "reselectUnit", "strategy", "alwaysTrain", "learningRate", "iterations", "training_loss", "wall_clock_ms",
                    "peak_heap_bytes", "peak_rss_bytes", "updater_state_bytes", "failure"), rows.get(0));
            assertEquals(4, rows.size());
            assertEquals(List.of("0", "1", "2"), rows.subList(1, 4).stream().map(r -> r.get(0)).toList());
        }

        @Test
        void readsBackScoresExactlyAndFailuresWithTheirReason() throws IOException {
            List<List<String>> rows = read(SweepCsv.toCsv(sample()));
            assertEquals(0.7123456789012345, Double.parseDouble(rows.get(1).get(2)));
            assertEquals(List.of("1", "COMPLETED", "0.25", "50.0", "-Infinity", "1", "EPOCHS", "snr", "", "0.01", "10",
                    "0.3", "260", "5000", "6000", "1600", ""), rows.get(2));
            List<String> failed = rows.get(3);
            assertEquals("FAILED", failed.get(1));
            assertEquals("", failed.get(2));
            assertEquals("IllegalStateException: bad \"x\", <y>", failed.get(16));
        }
    }

    @Nested
    class Html {
        final String html = SweepHtml.toHtml(sample());

        @Test
        void isSelfContained() {
            for (String external : List.of("http:", "https:", "<script", "<link", "src=", "@import", "url(")) {
                assertFalse(html.contains(external), "page references something external: " + external);
            }
        }

        @Test
        void chartsEachVaryingSettingWithOnePointPerCompletedCandidate() {
            assertEquals(2, count(html, "<svg"), "topPercent and learningRate vary; the rest are fixed");
            assertTrue(html.contains("aria-label=\"validation_loss against topPercent\""));
            assertTrue(html.contains("aria-label=\"validation_loss against learningRate\""));
            assertEquals(4, count(html, "<circle"));
            assertEquals(2, count(html, "r=\"6\" fill=\"#1a8f1a\""), "the best point is marked in each chart");
        }

        @Test
        void showsTheBestConfigurationAndHighlightsItsRow() {
            assertTrue(html.contains("<p>Candidate #1, validation_loss = 0.25</p>"));
            Matcher m = Pattern.compile("<tr class=\"best\"><td>(\\d+)</td>").matcher(html);
            assertTrue(m.find());
            assertEquals("1", m.group(1));
        }

        @Test
        void escapesTheFailureReasonAndListsWallClockAndMemory() {
            assertTrue(html.contains("IllegalStateException: bad &quot;x&quot;, &lt;y&gt;"));
            assertTrue(html.contains("<th>wall_clock_ms</th>"));
            assertTrue(html.contains("<th>peak_rss_bytes</th>"));
            assertTrue(html.contains("<th>updater_state_bytes</th>"));
            assertTrue(html.contains("<td>260</td>"));
        }

        int count(String s, String sub) {
            return s.split(Pattern.quote(sub), -1).length - 1;
        }
    }

    @Test
    void writeAllWritesCsvHtmlAndJsonWithProvenance(@TempDir Path dir) throws IOException {
        SweepReport.writeAll(sample(), dir.resolve("out"));
        Path out = dir.resolve("out");
        assertEquals(SweepCsv.toCsv(sample()), Files.readString(out.resolve(SweepReport.CSV)));
        assertTrue(Files.readString(out.resolve(SweepReport.HTML)).startsWith("<!DOCTYPE html>"));
        JsonNode json = new ObjectMapper().readTree(out.resolve(SweepReport.JSON).toFile());
        assertEquals(1, json.get("best").asInt());
        assertEquals("validation_loss", json.get("score").asText());
        assertEquals(3, json.get("candidates").size());
        assertEquals("NaN", json.get("candidates").get(2).get("score").asText());
        assertEquals("-Infinity", json.get("candidates").get(0).get("settings").get("minSnr").asText());
        assertEquals("7", json.get("provenance").get("configuration").get("seed").asText());
    }
}
