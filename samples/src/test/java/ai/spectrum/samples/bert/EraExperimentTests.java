package ai.spectrum.samples.bert;

import ai.spectrum.report.HeadlessChromium;
import ai.spectrum.samples.bert.EraResult.Aggregate;
import ai.spectrum.samples.bert.EraResult.EvalPoint;
import ai.spectrum.samples.bert.EraResult.Run;
import ai.spectrum.samples.bert.ExperimentResult.SnrColumn;
import ai.spectrum.samples.transformer.BertClassifier;
import ai.spectrum.samples.transformer.BertConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The era-classification pipeline end to end on a tiny random encoder (2 layers, 16 wide, the MiniLM tokenizer):
 * every method, 2 seeds, 4 steps, written and read back, rendered in headless Chromium.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EraExperimentTests {
    static final BertConfig TINY = new BertConfig(30522, 16, 2, 2, 32, 64, 2, 1e-12);
    static final int STEPS = 4;
    static final int CLASSES = EraData.ERAS.size();
    static final long HEAD = 16L * CLASSES + CLASSES;
    static final long ADAPTERS = TINY.layers() * 2L * (16 * 8 + 8 * 16);

    @TempDir
    static Path dir;

    EraResult result;
    EraResult read;

    @BeforeAll
    void runTinyExperiment() throws IOException {
        result = EraExperiment.builder().optRandomEncoder(TINY).optSeeds(2).optSteps(STEPS).optEvalEvery(2)
                .optBatchSize(4).optSequenceLength(16).optValidationPerClass(2).optTrainPerClass(4).build().run();
        EraReport.write(result, dir);
        read = EraReport.readJson(dir.resolve(ExperimentReport.RESULTS_JSON));
    }

    Run run(EraMethod m, long seed) {
        return result.runs(m).stream().filter(r -> r.seed() == seed).findFirst().orElseThrow();
    }

    @Nested
    @DisplayName("runs")
    class Runs {
        @Test
        @DisplayName("every method with seeds 42 and 43, evaluated at steps 0, 2 and 4")
        void everyMethodAndSeed() {
            assertEquals(2 * EraMethod.values().length, result.runs().size());
            for (Run r : result.runs()) {
                assertEquals(List.of(0, 2, STEPS), r.validation().stream().map(EvalPoint::step).toList());
                assertEquals(STEPS, r.trainLosses().size());
            }
            assertEquals(List.of(42L, 43L), result.runs(EraMethod.LORA).stream().map(Run::seed).toList());
        }

        @Test
        @DisplayName("start from the same weights for a seed (LoRA included), from another head for another seed")
        void sameStartPerSeed() {
            for (long seed : List.of(42L, 43L)) {
                EvalPoint full = run(EraMethod.FULL, seed).validation().get(0);
                for (EraMethod m : EraMethod.values()) {
                    EvalPoint p = run(m, seed).validation().get(0);
                    assertEquals(full.loss(), p.loss(), 1e-6, m + " seed " + seed);
                    assertEquals(full.accuracy(), p.accuracy(), m + " seed " + seed);
                }
            }
            assertNotEquals(run(EraMethod.FULL, 42).validation().get(0).loss(),
                    run(EraMethod.FULL, 43).validation().get(0).loss());
        }

        @Test
        @DisplayName("train what each method defines, with exact gradient and Adam state bytes")
        void trainableSets() {
            Run full = run(EraMethod.FULL, 42);
            assertEquals(full.parameters(), full.trainableParameters());
            assertEquals(HEAD, run(EraMethod.FROZEN_ENCODER, 42).trainableParameters());
            Run lora = run(EraMethod.LORA, 42);
            assertEquals(HEAD + ADAPTERS, lora.trainableParameters());
            assertEquals(full.parameters() + ADAPTERS, lora.parameters());
            for (Run r : result.runs()) {
                assertEquals(4 * r.trainableParameters(), r.gradientBytes(), r.method().name());
                assertEquals(2 * 4 * r.trainableParameters(), r.optimizerStateBytes(), r.method().name());
                assertTrue(r.trainableParameters() >= HEAD, r.method().name());
            }
            for (EraMethod m : List.of(EraMethod.SPECTRUM_25, EraMethod.RANDOM_25, EraMethod.LISA)) {
                Run r = run(m, 42);
                assertTrue(r.trainableParameters() < full.parameters(), m.name());
                for (SnrColumn c : r.snr()) {
                    assertTrue(c.trained().contains(BertClassifier.CLASSIFIER), m + " trains the head: " + c);
                }
            }
        }

        @Test
        @DisplayName("SPECTRUM_25 records its selection at steps 0, 2 and 4 (re-selecting every evaluation)")
        void selectionColumns() {
            assertEquals(List.of(0, 2, 4), run(EraMethod.SPECTRUM_25, 42).snr().stream().map(SnrColumn::step)
                    .toList());
        }
    }

    @Nested
    @DisplayName("aggregate")
    class Aggregates {
        @Test
        @DisplayName("mean and sample sd of the per-seed final values; FULL reaches its own accuracy, ratio 1")
        void meanAndSd() {
            for (Aggregate a : result.aggregates()) {
                List<Run> runs = result.runs(a.method());
                double x = runs.get(0).last().accuracy();
                double y = runs.get(1).last().accuracy();
                assertEquals((x + y) / 2, a.accuracy().mean(), 1e-12, a.method().name());
                assertEquals(Math.abs(x - y) / Math.sqrt(2), a.accuracy().sd(), 1e-12, a.method().name());
                assertEquals(List.of(x, y), a.accuracy().values());
            }
            Aggregate full = result.aggregates().get(0);
            assertEquals(EraMethod.FULL, full.method());
            assertEquals(1.0, full.msPerStepRatio(), 1e-12);
            assertEquals(1.0, full.stateBytesRatio(), 1e-12);
            full.stepsToFull().values().forEach(v -> assertTrue(v <= STEPS, "FULL reaches its own final: " + v));
        }

        @Test
        @DisplayName("selection frequency is 1 for every module under FULL, only the head under FROZEN_ENCODER")
        void selectionFrequency() {
            Map<String, double[]> f = EraReport.selectionFrequency(result);
            int fullCol = 0;
            int frozenCol = EraMethod.FROZEN_ENCODER.ordinal();
            f.forEach((module, row) -> {
                assertEquals(1.0, row[fullCol], 1e-12, module);
                assertEquals(module.equals(BertClassifier.CLASSIFIER) ? 1.0 : 0.0, row[frozenCol], 1e-12, module);
            });
        }
    }

    @Nested
    @DisplayName("report")
    class Report {
        @Test
        @DisplayName("results.json reads back equal")
        void jsonRoundTrip() {
            assertEquals(result, read);
        }

        @Test
        @DisplayName("renders every curve, band and heatmap cell in headless Chromium")
        void rendersInChromium() throws IOException, InterruptedException {
            int expected = EraReport.html(result).plottedMarks();
            int methods = EraMethod.values().length;
            assertTrue(expected > 4 * 2 * methods, "4 charts × (curve + band) per method, plus heatmaps: " + expected);
            HeadlessChromium.requireChromium();
            assertEquals(expected, HeadlessChromium.renderedMarks(dir.resolve(ExperimentReport.REPORT_HTML)));
        }
    }

    @Test
    @DisplayName("rejects bad configurations with the value named")
    void badConfiguration() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EraExperiment.builder().optSeeds(0))
                .getMessage().contains("seeds must be ≥ 1, got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EraExperiment.builder()
                .optMethods(List.of(EraMethod.LORA, EraMethod.LORA))).getMessage().contains("methods repeat"));
    }
}
