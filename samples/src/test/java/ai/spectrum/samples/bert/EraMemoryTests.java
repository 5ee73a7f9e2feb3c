package ai.spectrum.samples.bert;

import ai.spectrum.samples.bert.EraResult.Aggregate;
import ai.spectrum.samples.bert.EraResult.Memory;
import ai.spectrum.samples.bert.EraResult.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each method's memory measured in a JVM of its own, on the tiny random encoder of {@link EraExperimentTests}: FULL
 * and SPECTRUM_25, one seed, 2 memory steps (two child JVMs), and a child that cannot start.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EraMemoryTests {
    static final int MEMORY_STEPS = 2;

    @TempDir
    static Path dir;

    EraResult result;

    static EraExperiment.Builder tiny() {
        return EraExperiment.builder().optRandomEncoder(EraExperimentTests.TINY).optSteps(2).optEvalEvery(2)
                .optBatchSize(4).optSequenceLength(16).optValidationPerClass(2).optTrainPerClass(4);
    }

    @BeforeAll
    void runWithMemoryRuns() throws IOException {
        result = tiny().optMethods(List.of(EraMethod.FULL, EraMethod.SPECTRUM_25)).optMemorySteps(MEMORY_STEPS)
                .build().run();
        EraReport.write(result, dir);
    }

    Aggregate aggregate(EraMethod m) {
        return result.aggregates().stream().filter(a -> a.method() == m).findFirst().orElseThrow();
    }

    @Nested
    @DisplayName("in a JVM of its own, each method")
    class OwnJvm {
        @Test
        @DisplayName("has a positive peak resident set (the kernel's VmHWM) at least its base, after the asked steps")
        void positivePeak() {
            for (Aggregate a : result.aggregates()) {
                Memory m = a.memory();
                assertNotNull(m, a.method().name());
                assertTrue(m.baseRssBytes() > 0, a.method() + ": " + m);
                assertTrue(m.peakRssBytes() >= m.baseRssBytes(), a.method() + ": " + m);
                assertTrue(m.peakOffHeapBytes() > 0, a.method() + ": " + m);
                assertEquals("VmHWM", m.peakRssSource(), "Linux has /proc/self/status");
                assertEquals(MEMORY_STEPS, m.steps());
            }
        }

        @Test
        @DisplayName("counts exactly the gradient + Adam state bytes of the in-JVM run (FULL: 3 floats a parameter)")
        void exactGradientAndState() {
            for (Aggregate a : result.aggregates()) {
                Run run = result.runs(a.method()).get(0);
                assertEquals(run.stateBytes(), a.memory().gradStateBytes(), a.method().name());
            }
            Run full = result.runs(EraMethod.FULL).get(0);
            assertEquals(3 * 4 * full.parameters(), aggregate(EraMethod.FULL).memory().gradStateBytes());
            assertTrue(aggregate(EraMethod.SPECTRUM_25).memory().gradStateBytes()
                    < aggregate(EraMethod.FULL).memory().gradStateBytes());
        }

        @Test
        @DisplayName("is divided by FULL's peak: FULL's ratio is exactly 1")
        void ratioToFull() {
            assertEquals(1.0, aggregate(EraMethod.FULL).peakRssRatio(), 0.0);
            assertEquals((double) aggregate(EraMethod.SPECTRUM_25).memory().peakRssBytes()
                    / aggregate(EraMethod.FULL).memory().peakRssBytes(),
                    aggregate(EraMethod.SPECTRUM_25).peakRssRatio(), 0.0);
        }
    }

    @Nested
    @DisplayName("results")
    class Results {
        @Test
        @DisplayName("results.json names memory.peakRssBytes, peakOffHeapBytes, gradStateBytes, steps; reads back equal")
        void json() throws IOException {
            String json = Files.readString(dir.resolve(ExperimentReport.RESULTS_JSON));
            for (String field : List.of("\"memory\"", "\"peakRssBytes\"", "\"peakOffHeapBytes\"",
                    "\"gradStateBytes\"", "\"steps\"", "\"indicativePeakRssBytes\"")) {
                assertTrue(json.contains(field), field);
            }
            assertEquals(result, EraReport.readJson(dir.resolve(ExperimentReport.RESULTS_JSON)));
        }

        @Test
        @DisplayName("the table shows peak RSS MB (own JVM) and its ratio to FULL")
        void table() {
            int mb = EraReport.TABLE_HEADER.indexOf("peak RSS MB (own JVM)");
            assertTrue(mb > 0, EraReport.TABLE_HEADER.toString());
            assertEquals("÷ FULL", EraReport.TABLE_HEADER.get(mb + 1));
            List<String> full = EraReport.tableRows(result).get(0);
            assertEquals(String.format(java.util.Locale.ROOT, "%.0f",
                    aggregate(EraMethod.FULL).memory().peakRssBytes() / 1e6), full.get(mb));
            assertEquals("1.00", full.get(mb + 1));
        }
    }

    @Test
    @DisplayName("without FULL, or without memory runs, the ratio is n/a")
    void ratioWithoutFull() {
        Memory m = new Memory(2_000_000, "VmHWM", 1_000_000, 500_000, 1234, 1);
        Aggregate noFull = Aggregate.of(EraMethod.SPECTRUM_25, List.of(), List.of(), m, null);
        assertTrue(Double.isNaN(noFull.peakRssRatio()));
        Aggregate off = Aggregate.of(EraMethod.FULL, List.of(), List.of(), null, null);
        assertTrue(Double.isNaN(off.peakRssRatio()));
    }

    @Test
    @DisplayName("a child that cannot start fails the experiment, naming the method, exit code and its error")
    void childThatCannotStart() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> tiny()
                .optMethods(List.of(EraMethod.FULL)).optMemorySteps(1)
                .optMemoryJvmOptions(List.of("-XX:+SpectrumNoSuchOption")).build().run());
        assertTrue(e.getMessage().contains("the memory run of FULL failed in its own JVM: exit code 1"),
                e.getMessage());
        assertTrue(e.getMessage().contains("SpectrumNoSuchOption"), "quotes the child's error: " + e.getMessage());
    }

    @Test
    @DisplayName("the child rebuilds the parent's settings from its arguments and rejects an unknown one by name")
    void arguments() {
        EraExperiment e = tiny().optFirstSeed(7).optReselectEvery(3).optLearningRate(1.25e-4)
                .optHeadLearningRate(3e-3).optLoraLearningRate(7e-4).optLoraRank(4).optModel(EraModel.BGE_SMALL)
                .build();
        assertEquals(e.arguments(), EraExperiment.fromArguments(e.arguments()).build().arguments());
        assertEquals(e.configuration().get("optimizer"),
                EraExperiment.fromArguments(e.arguments()).build().configuration().get("optimizer"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> EraExperiment.fromArguments(List.of("--bogus", "1")));
        assertTrue(bad.getMessage().contains("bad option --bogus '1': unknown option"), bad.getMessage());
    }
}
