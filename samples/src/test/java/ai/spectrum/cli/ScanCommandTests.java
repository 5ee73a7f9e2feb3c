package ai.spectrum.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static ai.spectrum.cli.TestResources.close;
import static ai.spectrum.cli.TestResources.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScanCommandTests {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "--rule {0}")
    @ValueSource(strings = {"current", "ref2024"})
    void scanningVectorsAReproducesTheExpectedValues(String rule) {
        Path npz = TestResources.copy("/reference/vectors_a.npz", dir);
        Path expectedFile = TestResources.copy("/reference/vectors_a.expected.json", dir);
        Path out = dir.resolve("out-" + rule);
        CommandRun run = CommandRun.of("scan", npz.toString(), "--rule", rule, "--top-percent", "50", "--out",
                out.toString(), "--threads", "2");
        assertEquals(ExitCodes.OK, run.code(), run::toString);

        JsonNode results = json(out.resolve("snr_results_vectors-a.json"));
        JsonNode expected = json(expectedFile);
        List<String> names = new ArrayList<>();
        results.fieldNames().forEachRemaining(names::add);
        List<String> expectedNames = new ArrayList<>();
        expected.fieldNames().forEachRemaining(expectedNames::add);
        assertEquals(expectedNames.stream().sorted().toList(), names.stream().sorted().toList());
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            double want = e.getValue().get(rule).get("snr").asDouble();
            double got = results.get(e.getKey()).get("snr").asDouble();
            assertTrue(close(got, want, 1e-9), e.getKey() + ": got " + got + ", expected " + want);
        }
        assertTrue(Files.exists(out.resolve("snr_results_vectors-a_sorted.json")));
        assertTrue(Files.exists(out.resolve("snr_results_vectors-a_unfrozenparameters_50percent.yaml")));
        ai.spectrum.report.ScanReport report = readReport(out.resolve("spectrum_scan_vectors-a.json"));
        assertEquals(rule, report.scan().provenance().configuration().get("rule"));
        assertEquals(expectedNames.size(), report.scan().scores().size());
        assertTrue(report.scan().scores().stream().allMatch(sc -> sc.stats().isPresent()));
    }

    private static ai.spectrum.report.ScanReport readReport(Path file) {
        try {
            return ai.spectrum.report.ScanReport.read(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theTableCountsModulesAndSelectionsPerType() {
        Path npz = TestResources.copy("/reference/vectors_a.npz", dir);
        CommandRun run = CommandRun.of("scan", npz.toString(), "--top-percent", "50", "--out", dir.toString());
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        // vectors_a: 3 q_proj, 2 up_proj, 2 down_proj, one of each other type; int(n * 50 / 100) selected
        assertTrue(run.out().lines().anyMatch(l -> l.matches("self_attn\\.q_proj\\s+3\\s+1\\s.*")), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.matches("mlp\\.up_proj\\s+2\\s+1\\s.*")), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.matches("model\\.embed_tokens\\s+1\\s+0\\s.*")), run.out());
        assertTrue(run.out().startsWith("model vectors_a: 12 modules, rule current, top 50%"), run.out());
    }
}
