package ai.spectrum.samples.bert;

import ai.spectrum.Provenance;
import ai.spectrum.samples.bert.ExperimentResult.Comparison;
import ai.spectrum.samples.bert.ExperimentResult.EvalPoint;
import ai.spectrum.samples.bert.ExperimentResult.MethodRun;
import ai.spectrum.samples.bert.ExperimentResult.SnrColumn;
import ai.spectrum.samples.bert.MlmFineTuning.Mode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The derived comparisons and the JSON/table forms, on hand-made runs. */
class ExperimentResultTests {
    static MethodRun run(Mode mode, double[] losses, double msPerStep, long trainable, long rssGrowth) {
        List<EvalPoint> points = new java.util.ArrayList<>();
        for (int i = 0; i < losses.length; i++) {
            points.add(new EvalPoint(10 * i, losses[i], 1000.0 * i));
        }
        SnrColumn col = new SnrColumn(0, "analyzer", Map.of("a", 1.5, "b", Double.POSITIVE_INFINITY), Set.of("a"));
        return new MethodRun(mode, points, List.of(3.0, 2.0), List.of(900.0, msPerStep), msPerStep, 2000, 0,
                100, trainable, 4 * trainable, 400, 8 * trainable, 1_000, 1_000 + rssGrowth, List.of(col));
    }

    @Test
    @DisplayName("finds the first evaluation at or below FULL's final loss, with its training time")
    void stepsToReachFull() {
        MethodRun full = run(Mode.FULL, new double[]{5, 4, 3}, 200, 100, 400);
        MethodRun fast = run(Mode.SPECTRUM_25, new double[]{5, 3, 2.5}, 100, 25, 100);
        Comparison c = Comparison.of(fast, full);
        assertEquals(10, c.stepsToFullFinal());
        assertEquals(1000.0, c.trainMillisToFullFinal());
        assertEquals(-0.5, c.finalLossDelta(), 0);
        assertEquals(0.5, c.msPerStepRatio(), 0);
        assertEquals(0.25, c.stateBytesRatio(), 0);
        assertEquals(0.25, c.optimizerStateRatio(), 0);
        assertEquals(0.25, c.peakRssGrowthRatio(), 0);
        assertEquals(20, Comparison.of(full, full).stepsToFullFinal(), "FULL reaches its own final loss at the end");
    }

    @Test
    @DisplayName("reports 'not reached' when the method never gets down to FULL's final loss")
    void notReached(@TempDir Path dir) throws IOException {
        MethodRun full = run(Mode.FULL, new double[]{5, 4, 3}, 200, 100, 400);
        MethodRun slow = run(Mode.FROZEN_ENCODER, new double[]{5, 4.5, 4.2}, 50, 10, 50);
        Comparison c = Comparison.of(slow, full);
        assertNull(c.stepsToFullFinal());
        assertNull(c.trainMillisToFullFinal());
        ExperimentResult result = new ExperimentResult(Provenance.capture(Map.of("seed", "1", "steps", "20")),
                List.of("a", "b"), List.of(full, slow), List.of(Comparison.of(full, full), c));
        String table = ExperimentReport.textTable(result);
        assertTrue(table.lines().filter(l -> l.startsWith("| FROZEN_ENCODER")).findFirst().orElseThrow()
                .contains("not reached"), table);
        ExperimentReport.write(result, dir);
        assertEquals(result, ExperimentReport.readJson(dir.resolve(ExperimentReport.RESULTS_JSON)),
                "results.json round-trips, +Infinity SNR and null 'not reached' included");
    }

    @Test
    void rejectsAFileThatIsNotAResult(@TempDir Path dir) throws IOException {
        Path f = java.nio.file.Files.writeString(dir.resolve("x.json"), "{\"modules\": 3}");
        IOException e = assertThrows(IOException.class, () -> ExperimentReport.readJson(f));
        assertTrue(e.getMessage().contains("x.json is not an experiment results file"), e.getMessage());
    }

    @Test
    void builderRejectsRepeatedOrMissingMethods() {
        assertThrows(IllegalArgumentException.class,
                () -> FlagshipExperiment.builder().optModes(List.of(Mode.FULL, Mode.FULL)));
        assertThrows(IllegalArgumentException.class, () -> FlagshipExperiment.builder().optModes(List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> FlagshipExperiment.builder().optBatchSize(8).optTrainPassages(4).build());
    }
}
