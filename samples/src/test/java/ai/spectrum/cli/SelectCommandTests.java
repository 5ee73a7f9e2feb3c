package ai.spectrum.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static ai.spectrum.cli.TestResources.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SelectCommandTests {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} at {1}%")
    @CsvSource({"TinyLlama-TinyLlama-v1.1, 25", "TinyLlama-TinyLlama-v1.1, 50",
            "HuggingFaceTB-SmolLM-135M, 25", "HuggingFaceTB-SmolLM-135M, 50"})
    void selectingAPublishedScanReproducesThePublishedFiles(String model, int percent) throws IOException {
        String base = "snr_results_" + model;
        Path results = TestResources.copy("/reference/" + base + ".json", dir);
        Path ref = Files.createDirectories(dir.resolve("published"));
        Path publishedYaml = TestResources.copy("/reference/" + base + "_unfrozenparameters_" + percent
                + "percent.yaml", ref);
        Path publishedSorted = TestResources.copy("/reference/" + base + "_sorted.json", ref);
        Path out = dir.resolve("out");

        CommandRun run = CommandRun.of("select", results.toString(), "--top-percent", Integer.toString(percent),
                "--out", out.toString());
        assertEquals(ExitCodes.OK, run.code(), run::toString);

        assertArrayEquals(Files.readAllBytes(publishedYaml),
                Files.readAllBytes(out.resolve(base + "_unfrozenparameters_" + percent + "percent.yaml")));
        JsonNode want = json(publishedSorted);
        JsonNode got = json(out.resolve(base + "_sorted.json"));
        assertEquals(want, got);
        assertEquals(order(want), order(got), "ranking order within each type");
    }

    @ParameterizedTest(name = "{0} at {1}%")
    @CsvSource({"TinyLlama-TinyLlama-v1.1, 25", "HuggingFaceTB-SmolLM-135M, 50"})
    void aResultsFileNestedByTypeGivesThePublishedYaml(String model, int percent) throws IOException {
        String base = "snr_results_" + model;
        Path nested = TestResources.copy("/reference/" + base + "_sorted.json", dir);
        Path ref = Files.createDirectories(dir.resolve("published"));
        Path publishedYaml = TestResources.copy("/reference/" + base + "_unfrozenparameters_" + percent
                + "percent.yaml", ref);
        Path out = dir.resolve("out");

        CommandRun run = CommandRun.of("select", nested.toString(), "--top-percent", Integer.toString(percent),
                "--out", out.toString());
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertArrayEquals(Files.readAllBytes(publishedYaml),
                Files.readAllBytes(out.resolve(base + "_sorted_unfrozenparameters_" + percent + "percent.yaml")));
    }

    private static List<String> order(JsonNode sorted) {
        List<String> keys = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = sorted.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            keys.add("#" + e.getKey());
            e.getValue().fieldNames().forEachRemaining(keys::add);
        }
        return keys;
    }
}
