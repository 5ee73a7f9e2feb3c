package ai.spectrum.cli;

import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.analysis.WeightMatrices;
import ai.spectrum.io.onnx.OnnxWeightSource;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import static ai.spectrum.cli.TestResources.close;
import static ai.spectrum.cli.TestResources.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scans the real all-MiniLM-L6-v2 ONNX model and checks every module's SNR against numpy on the same matrix
 * ({@code golden/all-minilm-l6-v2.snr.json}, made by {@code samples/src/test/python/minilm_golden.py} with its own
 * ONNX decoder). Modules are matched to golden entries by matrix shape and squared Frobenius norm, so the check does
 * not depend on how the reader names modules.
 */
class MiniLmScanTests {
    /** Relative agreement of SNRs with numpy's float64 SVD. */
    private static final double TOLERANCE = 1e-9;

    @TempDir
    static Path dir;
    static Path model;
    static JsonNode golden;
    /** scan module name → golden initializer name. */
    static Map<String, String> matched;

    @BeforeAll
    static void matchModulesToGoldenEntries() throws IOException {
        model = TestResources.copy(BenchSvdCommand.MINILM_RESOURCE, dir);
        golden = json(TestResources.copy("/golden/all-minilm-l6-v2.snr.json", dir));
        matched = new HashMap<>();
        Set<String> used = new HashSet<>();
        try (OnnxWeightSource source = OnnxWeightSource.read(model)) {
            for (WeightInfo w : source.weights()) {
                if (w.shape().length < 2) {
                    continue;
                }
                INDArray m = WeightMatrices.asMatrix(source.load(w)).castTo(DataType.DOUBLE);
                double fro2 = m.mul(m).sumNumber().doubleValue();
                String hit = null;
                for (Iterator<Map.Entry<String, JsonNode>> it = golden.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> g = it.next();
                    long rows = g.getValue().get("rows").asLong();
                    long cols = g.getValue().get("cols").asLong();
                    // an ONNX MatMul weight is stored [in, out]; the golden file sees the same stored matrix
                    if (rows == m.rows() && cols == m.columns()
                            && close(fro2, g.getValue().get("fro2").asDouble(), 1e-9)) {
                        assertTrue(hit == null, "two golden matrices match module " + w.name());
                        hit = g.getKey();
                    }
                }
                assertTrue(hit != null, "no golden matrix matches module " + w.name());
                assertTrue(used.add(hit), "golden matrix " + hit + " matched twice");
                matched.put(w.name(), hit);
            }
        }
        assertEquals(golden.size(), matched.size(), "every golden matrix is a scanned module");
    }

    @ParameterizedTest(name = "--rule {0}")
    @ValueSource(strings = {"current", "ref2024"})
    void everyModuleScoresAsNumpyDoes(String rule) {
        Path out = dir.resolve("out-" + rule);
        CommandRun run = CommandRun.of("scan", model.toString(), "--rule", rule, "--out", out.toString());
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        JsonNode results = json(out.resolve("snr_results_all-minilm-l6-v2.json"));
        assertEquals(matched.size(), results.size(), "one result per weight matrix (1-D tensors skipped)");
        double worst = 0;
        for (Map.Entry<String, String> e : matched.entrySet()) {
            double got = results.get(e.getKey()).get("snr").asDouble();
            double want = golden.get(e.getValue()).get(rule).asDouble();
            assertTrue(close(got, want, TOLERANCE), e.getKey() + " (" + e.getValue() + "): got " + got
                    + ", numpy " + want);
            if (Double.isFinite(want)) {
                worst = Math.max(worst, Math.abs(got - want) / Math.abs(want));
            }
        }
        org.slf4j.LoggerFactory.getLogger(MiniLmScanTests.class).info("worst relative SNR difference ({}): {}",
                rule, worst);
    }
}
