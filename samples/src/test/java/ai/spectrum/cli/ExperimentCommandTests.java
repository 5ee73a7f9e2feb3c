package ai.spectrum.cli;

import ai.spectrum.report.HeadlessChromium;
import ai.spectrum.samples.bert.ExperimentReport;
import ai.spectrum.samples.bert.ExperimentResult;
import ai.spectrum.samples.bert.ExperimentResult.Comparison;
import ai.spectrum.samples.bert.ExperimentResult.EvalPoint;
import ai.spectrum.samples.bert.ExperimentResult.MethodRun;
import ai.spectrum.samples.bert.ExperimentResult.SnrColumn;
import ai.spectrum.samples.bert.MlmFineTuning.Mode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The flagship experiment at a tiny size, through the command line: FULL and FROZEN_ENCODER on the real
 * all-MiniLM-L6-v2, 3 steps of 2 passages × 16 tokens, evaluated (and SNR-scored) before and after.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExperimentCommandTests {
    static final int STEPS = 3;

    @TempDir
    static Path dir;

    CommandRun run;
    ExperimentResult result;
    MethodRun full;
    MethodRun frozen;

    @BeforeAll
    void runTinyExperiment() throws IOException {
        run = CommandRun.of("experiment", "--methods", "full,frozen_encoder", "--steps", Integer.toString(STEPS),
                "--eval-every", "3", "--batch", "2", "--seq-len", "16", "--validation", "2", "--train-passages", "4",
                "--progress", "never", "--out", dir.toString());
        assertEquals(0, run.code(), run::toString);
        result = ExperimentReport.readJson(dir.resolve(ExperimentReport.RESULTS_JSON));
        full = result.method(Mode.FULL);
        frozen = result.method(Mode.FROZEN_ENCODER);
    }

    @Nested
    @DisplayName("results.json")
    class Results {
        @Test
        @DisplayName("holds both methods, evaluated at steps 0 and 3 on the same held-out batches")
        void sameEvaluationForAll() {
            assertEquals(List.of(Mode.FULL, Mode.FROZEN_ENCODER), result.methods().stream().map(MethodRun::mode)
                    .toList());
            for (MethodRun m : result.methods()) {
                assertEquals(List.of(0, STEPS), m.validation().stream().map(EvalPoint::step).toList());
                assertEquals(STEPS, m.trainLosses().size());
                assertEquals(STEPS, m.stepMillis().size());
            }
            // identical initial weights and held-out batches: identical loss before training
            assertEquals(full.validation().get(0).loss(), frozen.validation().get(0).loss(), 1e-6);
            assertNotEquals(full.validation().get(0).loss(), full.finalLoss(), "FULL's weights moved");
        }

        @Test
        @DisplayName("counts Adam state as m and v of exactly the trained parameters, and FULL trains all of them")
        void stateBytesAreConsistent() {
            assertEquals(full.parameters(), full.trainableParameters());
            for (MethodRun m : result.methods()) {
                assertEquals(4 * m.trainableParameters(), m.gradientBytes(), m.mode().name());
                assertEquals(2 * 4 * m.trainableParameters(), m.optimizerStateBytes(), m.mode().name());
                assertEquals(4 * m.parameters(), m.allocatedGradientBytes(), m.mode().name());
            }
            assertTrue(frozen.stateBytes() < full.stateBytes() / 2, "frozen encoder: " + frozen.stateBytes()
                    + " vs full " + full.stateBytes());
            assertTrue(frozen.peakRssBytes() >= frozen.baseRssBytes() && full.peakRssBytes() >= full.baseRssBytes());
        }

        @Test
        @DisplayName("keeps the frozen encoder's SNR bit-identical over training while FULL's changes")
        void frozenEncoderDoesNotMove() {
            List<String> encoder = result.modules().stream().filter(n -> n.startsWith("encoder.")).toList();
            assertEquals(36, encoder.size(), "6 layers × (q, k, v, attention output, intermediate, output)");
            SnrColumn first = frozen.snr().get(0);
            SnrColumn last = frozen.snr().get(frozen.snr().size() - 1);
            for (String module : encoder) {
                assertEquals(first.snr().get(module), last.snr().get(module), module);
                assertFalse(last.trained().contains(module), module + " marked trained");
            }
            SnrColumn fullFirst = full.snr().get(0);
            SnrColumn fullLast = full.snr().get(full.snr().size() - 1);
            assertTrue(encoder.stream().anyMatch(m -> !fullFirst.snr().get(m).equals(fullLast.snr().get(m))),
                    "some encoder SNR changes under full fine-tuning");
            assertEquals(new HashSet<>(result.modules()), fullLast.trained(), "FULL trains every module");
        }

        @Test
        @DisplayName("derives every comparison from the recorded values")
        void comparisonsFollowFromTheRuns() {
            assertEquals(2, result.comparisons().size());
            for (Comparison c : result.comparisons()) {
                MethodRun m = result.method(c.mode());
                assertEquals(m.finalLoss() - full.finalLoss(), c.finalLossDelta(), 0);
                assertEquals(m.medianMillisPerStep() / full.medianMillisPerStep(), c.msPerStepRatio(), 0);
                assertEquals((double) m.stateBytes() / full.stateBytes(), c.stateBytesRatio(), 0);
                assertEquals((double) m.optimizerStateBytes() / full.optimizerStateBytes(), c.optimizerStateRatio(),
                        0);
                Integer reached = null;
                for (EvalPoint p : m.validation()) {
                    if (p.loss() <= full.finalLoss()) {
                        reached = p.step();
                        break;
                    }
                }
                assertEquals(reached, c.stepsToFullFinal(), c.mode().name());
                if (reached == null) {
                    assertNull(c.trainMillisToFullFinal());
                } else {
                    int step = reached;
                    assertEquals(m.validation().stream().filter(p -> p.step() == step).findFirst().orElseThrow()
                            .trainMillis(), c.trainMillisToFullFinal(), 0);
                }
            }
            List<Double> later = new ArrayList<>(full.stepMillis().subList(1, STEPS));
            Collections.sort(later);
            assertEquals((later.get(0) + later.get(1)) / 2, full.medianMillisPerStep(), 1e-9);
        }

        @Test
        @DisplayName("scores every module in every SNR column, and records the seed and versions")
        void snrColumnsAndProvenance() {
            for (MethodRun m : result.methods()) {
                assertEquals(List.of(0, STEPS), m.snr().stream().map(SnrColumn::step).toList());
                for (SnrColumn c : m.snr()) {
                    assertEquals(result.modules(), new ArrayList<>(c.snr().keySet()));
                }
            }
            assertEquals("42", result.provenance().configuration().get("seed"));
            assertEquals("[FULL, FROZEN_ENCODER]", result.provenance().configuration().get("methods"));
        }
    }

    @Nested
    @DisplayName("report.html")
    class Report {
        @Test
        @DisplayName("names every module in the heatmaps and every method in the printed table")
        void heatmapAndTable() throws IOException {
            String html = Files.readString(dir.resolve(ExperimentReport.REPORT_HTML));
            for (String module : result.modules()) {
                assertTrue(html.contains(">" + module + "</text>"), module);
            }
            assertTrue(run.out().contains("| FULL "), run::toString);
            assertTrue(run.out().contains("| FROZEN_ENCODER "), run::toString);
            assertTrue(run.out().contains(dir.resolve(ExperimentReport.REPORT_HTML).toAbsolutePath().toString()));
        }

        @Test
        @DisplayName("plots 3 charts × 2 curves and modules × columns heatmap cells, all rendered by Chromium")
        void rendersInChromium() throws IOException, InterruptedException {
            int cells = 0;
            for (MethodRun m : result.methods()) {
                cells += result.modules().size() * m.snr().size();
            }
            int expected = 3 * result.methods().size() + cells;
            assertEquals(expected, ExperimentReport.html(result).plottedMarks());
            HeadlessChromium.requireChromium();
            assertEquals(expected, HeadlessChromium.renderedMarks(dir.resolve(ExperimentReport.REPORT_HTML)));
        }
    }

    @Nested
    @DisplayName("bad options")
    class BadOptions {
        @Test
        void rejectsRepeatedMethods() {
            CommandRun r = CommandRun.of("experiment", "--methods", "FULL,FULL", "--progress", "never");
            assertEquals(ExitCodes.USAGE, r.code(), r::toString);
            assertTrue(r.err().contains("methods repeat"), r::toString);
        }

        @Test
        void rejectsZeroSteps() {
            CommandRun r = CommandRun.of("experiment", "--steps", "0");
            assertEquals(ExitCodes.USAGE, r.code(), r::toString);
            assertTrue(r.err().contains("steps must be ≥ 1, got 0"), r::toString);
        }

        @Test
        void rejectsUnknownMethod() {
            CommandRun r = CommandRun.of("experiment", "--methods", "FULL,SPECTRUM_99");
            assertEquals(ExitCodes.USAGE, r.code(), r::toString);
            assertTrue(r.err().contains("unknown method 'SPECTRUM_99'"), r::toString);
        }

        @Test
        @DisplayName("an era method is unknown to the masked-LM task, and the other way round")
        void rejectsMethodOfTheOtherTask() {
            CommandRun mlm = CommandRun.of("experiment", "--methods", "LORA", "--progress", "never");
            assertEquals(ExitCodes.USAGE, mlm.code(), mlm::toString);
            assertTrue(mlm.err().contains("unknown method 'LORA'"), mlm::toString);
            CommandRun era = CommandRun.of("experiment", "--task", "era", "--methods", "FULL,SPECTRUM_99",
                    "--progress", "never");
            assertEquals(ExitCodes.USAGE, era.code(), era::toString);
            assertTrue(era.err().contains("GRADIENT_NORM_25"), "lists the era methods: " + era);
        }

        @Test
        @DisplayName("--seeds must be ≥ 1 and applies to --task era only")
        void rejectsBadSeeds() {
            CommandRun zero = CommandRun.of("experiment", "--task", "era", "--seeds", "0", "--progress", "never");
            assertEquals(ExitCodes.USAGE, zero.code(), zero::toString);
            assertTrue(zero.err().contains("seeds must be ≥ 1, got 0"), zero::toString);
            CommandRun mlm = CommandRun.of("experiment", "--seeds", "2", "--progress", "never");
            assertEquals(ExitCodes.USAGE, mlm.code(), mlm::toString);
            assertTrue(mlm.err().contains("--seeds applies to --task era only"), mlm::toString);
        }

        @Test
        @DisplayName("--memory-steps must be ≥ 0 and applies to --task era only")
        void rejectsBadMemorySteps() {
            CommandRun negative = CommandRun.of("experiment", "--task", "era", "--memory-steps", "-1",
                    "--progress", "never");
            assertEquals(ExitCodes.USAGE, negative.code(), negative::toString);
            assertTrue(negative.err().contains("memory steps must be ≥ 0, got -1"), negative::toString);
            CommandRun mlm = CommandRun.of("experiment", "--memory-steps", "2", "--progress", "never");
            assertEquals(ExitCodes.USAGE, mlm.code(), mlm::toString);
            assertTrue(mlm.err().contains("--memory-steps applies to --task era only"), mlm::toString);
        }
    }
}
