package ai.spectrum.report;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.selection.Selection;
import ai.spectrum.selection.SpectrumSelector;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OriginalFormatTests {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    static Path reference(String name) {
        try {
            return Path.of(OriginalFormatTests.class.getResource("/reference/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Selection select(List<ModuleScore> scores, double percent) {
        return SpectrumSelector.builder().optTopPercent(percent).build().select(scores);
    }

    @Nested
    @DisplayName("against the original tool's published files")
    class Published {
        /** Flat results ({@code .json}) and results nested by type ({@code _sorted.json}) give the same YAML. */
        @ParameterizedTest(name = "{0}{2}.json at {1}%")
        @CsvSource({"HuggingFaceTB-SmolLM-135M, 25, ''", "HuggingFaceTB-SmolLM-135M, 50, ''",
                "TinyLlama-TinyLlama-v1.1, 25, ''", "TinyLlama-TinyLlama-v1.1, 50, ''",
                "HuggingFaceTB-SmolLM-135M, 25, _sorted", "HuggingFaceTB-SmolLM-135M, 50, _sorted",
                "TinyLlama-TinyLlama-v1.1, 25, _sorted", "TinyLlama-TinyLlama-v1.1, 50, _sorted"})
        void unfrozenParametersYamlIsByteIdentical(String model, int percent, String results) throws IOException {
            List<ModuleScore> scores = OriginalFormat.readResultsJson(reference("snr_results_" + model + results
                    + ".json"));
            String expected = Files.readString(reference(
                    "snr_results_" + model + "_unfrozenparameters_" + percent + "percent.yaml"), StandardCharsets.UTF_8);
            assertEquals(expected, OriginalFormat.unfrozenParametersYaml(select(scores, percent)));
        }

        @ParameterizedTest
        @ValueSource(strings = {"HuggingFaceTB-SmolLM-135M", "TinyLlama-TinyLlama-v1.1"})
        void sortedJsonHasTheSameGroupsOrdersAndValues(String model) throws IOException {
            List<ModuleScore> scores = OriginalFormat.readResultsJson(reference("snr_results_" + model + ".json"));
            String ours = OriginalFormat.sortedJson(select(scores, 25));
            String theirs = Files.readString(reference("snr_results_" + model + "_sorted.json"));
            assertEquals(JSON.readTree(theirs), JSON.readTree(ours));
            // JSON object equality ignores member order; the ranking order is the point, so compare it too
            assertEquals(List.copyOf(iterableKeys(theirs)), List.copyOf(iterableKeys(ours)));
        }

        private List<String> iterableKeys(String json) throws IOException {
            var out = new java.util.ArrayList<String>();
            JSON.readTree(json).fields().forEachRemaining(t ->
                    t.getValue().fieldNames().forEachRemaining(n -> out.add(t.getKey() + "/" + n)));
            return out;
        }

        @ParameterizedTest
        @ValueSource(strings = {"HuggingFaceTB-SmolLM-135M", "TinyLlama-TinyLlama-v1.1"})
        void resultsJsonRoundTripsByteForByte(String model) throws IOException {
            Path file = reference("snr_results_" + model + ".json");
            assertEquals(Files.readString(file), OriginalFormat.resultsJson(OriginalFormat.readResultsJson(file)));
        }
    }

    @Nested
    @DisplayName("file names and labels")
    class Names {
        @Test
        void slugReplacesSlashesAndUnderscores() {
            assertEquals("TinyLlama-TinyLlama-v1.1", OriginalFormat.slug("TinyLlama/TinyLlama_v1.1"));
        }

        @Test
        void wholePercentagesPrintAsIntegersOthersAsPythonFloats() {
            assertEquals("25", OriginalFormat.percentLabel(25));
            assertEquals("12.5", OriginalFormat.percentLabel(12.5));
        }

        @Test
        void writeAllUsesTheOriginalFileNames(@TempDir Path dir) throws IOException {
            List<ModuleScore> scores = List.of(ModuleScore.ofValue("a.0.q", "q", 1.0),
                    ModuleScore.ofValue("a.1.q", "q", 2.0));
            List<Path> written = OriginalFormat.writeAll(dir, "m", scores, select(scores, 50));
            assertEquals(List.of(dir.resolve("snr_results_m.json"), dir.resolve("snr_results_m_sorted.json"),
                    dir.resolve("snr_results_m_unfrozenparameters_50percent.yaml")), written);
            assertEquals("unfrozen_parameters:\n- ^lm_head.weight$\n- ^model.embed_tokens.weight$\n# q layers\n"
                    + "- a.1.q\n", Files.readString(written.get(2)));
        }
    }

    @Nested
    @DisplayName("Python float formatting")
    class Floats {
        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {"1.0|1.0", "0.1|0.1", "1e-05|1.0E-5", "0.0001|1.0E-4",
                "1.5e+16|1.5E16", "1000000000000000.0|1.0E15", "0.2788470387458801|0.2788470387458801",
                "-2.5e-07|-2.5E-7", "123.456|123.456"})
        void matchesPythonRepr(String python, double value) {
            assertEquals(python, PythonFloats.repr(value));
        }

        @Test
        void nonFiniteValuesAreWrittenAsJsonDumpDoes() {
            assertEquals("Infinity", PythonFloats.repr(Double.POSITIVE_INFINITY));
            assertEquals("NaN", PythonFloats.repr(Double.NaN));
        }
    }

    @Nested
    @DisplayName("reading bad results files")
    class BadInput {
        @Test
        void missingFileNamesThePath(@TempDir Path dir) {
            IOException e = assertThrows(IOException.class, () -> OriginalFormat.readResultsJson(dir.resolve("x.json")));
            assertTrue(e.getMessage().contains("x.json"), e.getMessage());
        }

        @Test
        void truncatedJsonIsReportedAsInvalid(@TempDir Path dir) throws IOException {
            Path f = dir.resolve("t.json");
            Files.writeString(f, "{\"a\": {\"snr\": 1.0, \"ty");
            IOException e = assertThrows(IOException.class, () -> OriginalFormat.readResultsJson(f));
            assertTrue(e.getMessage().startsWith("not valid JSON"), e.getMessage());
        }

        @Test
        void flatAndNestedEntriesDoNotMix(@TempDir Path dir) throws IOException {
            Path f = dir.resolve("t.json");
            Files.writeString(f, "{\"a.0.q\": {\"snr\": 1.0, \"type\": \"q\"}, \"k\": {\"a.0.k\": 2.0}}");
            IOException e = assertThrows(IOException.class, () -> OriginalFormat.readResultsJson(f));
            assertTrue(e.getMessage().contains("'k'"), e.getMessage());
        }

        @Test
        void entryWithoutSnrIsNamed(@TempDir Path dir) throws IOException {
            Path f = dir.resolve("t.json");
            Files.writeString(f, "{\"layer.0.q\": {\"type\": \"q\"}}");
            IOException e = assertThrows(IOException.class, () -> OriginalFormat.readResultsJson(f));
            assertTrue(e.getMessage().contains("'layer.0.q'"), e.getMessage());
        }
    }
}
