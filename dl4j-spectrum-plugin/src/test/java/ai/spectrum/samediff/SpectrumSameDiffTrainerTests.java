package ai.spectrum.samediff;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.SnrRule;
import ai.spectrum.selection.SelectionContext;
import ai.spectrum.training.SelectionEvent;
import ai.spectrum.selection.SelectionStrategy;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spectrum training of SameDiff graphs: real freezing, the same arithmetic as a hand freeze, state and resumption. */
class SpectrumSameDiffTrainerTests {

    /** Scores chosen by the test: module → score, 0 for the others (ties keep model order). */
    static final class Scripted implements SelectionStrategy {
        final Map<String, Double> scores = new HashMap<>();

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public Choice choose(SelectionContext context) {
            Map<String, Double> out = new LinkedHashMap<>();
            for (NetworkWeights.Entry e : context.weights().entries()) {
                out.put(e.info().name(), scores.getOrDefault(e.info().name(), 0.0));
            }
            return new Choice(out, Set.of());
        }
    }

    private static void assertBitIdentical(INDArray expected, INDArray actual, String what) {
        assertTrue(Arrays.equals(expected.shape(), actual.shape()), what + ": shape");
        float[] e = expected.dup().data().asFloat();
        float[] a = actual.dup().data().asFloat();
        for (int i = 0; i < e.length; i++) {
            if (Float.floatToRawIntBits(e[i]) != Float.floatToRawIntBits(a[i])) {
                throw new AssertionError(what + ": element " + i + " differs: expected " + e[i] + ", got " + a[i]);
            }
        }
    }

    private static void assertAllBitIdentical(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((k, v) -> assertBitIdentical(v, actual.get(k), k));
    }

    /** The same variables have optimizer state, bit for bit. */
    private static void assertSameUpdaterState(SameDiff expected, SameDiff actual) {
        Map<String, Map<String, INDArray>> s1 = TestGraphs.updaterState(expected);
        Map<String, Map<String, INDArray>> s2 = TestGraphs.updaterState(actual);
        assertEquals(s1.keySet(), s2.keySet());
        s1.forEach((v, st) -> st.forEach((k, a) -> assertBitIdentical(a, s2.get(v).get(k), v + " " + k)));
    }

    /** The block index of a test-graph variable; the head counts as the last block. */
    private static int blockOf(String variable) {
        return variable.startsWith("block.") ? variable.charAt(6) - '0' : TestGraphs.BLOCKS;
    }

    private static Set<String> trainable(SameDiff sd) {
        return sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .map(SDVariable::name).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    @Nested
    @DisplayName("analysis of a SameDiff graph")
    class Analysis {
        @Test
        @DisplayName("scores every trainable matrix, named by its scope and typed after the layer index")
        void namesAndTypesByPath() {
            SameDiffModules m = SameDiffModules.of(TestGraphs.gated(1));
            NetworkWeights w = m.weights();
            assertEquals(2 * TestGraphs.BLOCKS + 1, w.entries().size());
            assertEquals("dense/kernel", w.entry("block.2.dense").orElseThrow().info().type());
            assertEquals("gate/kernel", w.entry("block.2.gate").orElseThrow().info().type());
            assertEquals("head/kernel", w.entry("head").orElseThrow().info().type());
            assertEquals("block.2.dense/kernel", w.entry("block.2.dense").orElseThrow().paramKey());
        }

        @Test
        @DisplayName("lets a module's vectors follow its matrix, and keeps matrix-free modules out of training")
        void vectorsFollowTheirModule() {
            SameDiffModules m = SameDiffModules.of(TestGraphs.gated(1));
            assertEquals(Set.of("block.1.dense/kernel", "block.1.dense/bias"), m.variablesOf(Set.of("block.1.dense")));
            Set<String> all = m.variablesOf(m.weights().entries().stream().map(e -> e.info().name()).toList());
            assertFalse(all.contains("block.0.norm/gain"), "a module without a matrix never trains");
            assertTrue(m.variables().contains("block.0.norm/gain"), "but it is managed (frozen)");
        }

        @Test
        @DisplayName("uses the user's module naming, and splits a module with several matrices")
        void honoursNamingOverride() {
            SameDiff sd = TestGraphs.gated(1);
            SameDiffModules m = SameDiffModules.of(sd, v -> v.startsWith("block.")
                    ? new ModuleNaming.Module("block" + v.charAt(6), "block")
                    : ModuleNaming.byPath().moduleOf(v));
            NetworkWeights w = m.weights();
            assertEquals("block", w.entry("block.0.dense/kernel").orElseThrow().info().type());
            assertEquals(Set.of("block.3.gate/kernel", "block.3.dense/bias", "block.3.norm/gain"),
                    m.variablesOf(Set.of("block.3.gate/kernel")));
        }
    }

    @Nested
    @DisplayName("training")
    class Training {
        @Test
        @DisplayName("keeps frozen variables bit-identical over many iterations of Adam with L2 and weight decay")
        void frozenVariablesStayBitIdentical() {
            SameDiff sd = TestGraphs.gated(7);
            Map<String, INDArray> before = TestGraphs.snapshot(sd);
            SpectrumSameDiffTrainer spectrum = SpectrumSameDiffTrainer.builder().optAlwaysTrain("head").build();
            for (MultiDataSet b : TestGraphs.batches(3, 30)) {
                spectrum.fit(sd, b);
            }
            Set<String> trainVars = spectrum.modules().orElseThrow().variablesOf(spectrum.selected());
            assertEquals(3, spectrum.selected().size(), "one dense, one gate, the head: " + spectrum.selected());
            Map<String, INDArray> after = TestGraphs.snapshot(sd);
            int lowestTrained = trainVars.stream().mapToInt(SpectrumSameDiffTrainerTests::blockOf).min().orElseThrow();
            assertTrue(lowestTrained > 0, "the test needs a frozen bottom block: " + trainVars);
            for (String v : spectrum.modules().orElseThrow().variables()) {
                if (trainVars.contains(v)) {
                    assertNotNull(sd.getGradForVariable(v), v + " has a gradient variable");
                    assertFalse(Arrays.equals(before.get(v).data().asFloat(), after.get(v).data().asFloat()),
                            v + " trains");
                } else {
                    assertBitIdentical(before.get(v), after.get(v), v);
                    assertEquals(VariableType.CONSTANT, sd.getVariable(v).getVariableType(), v);
                    assertFalse(sd.getUpdaterMap().containsKey(v), v + " has no updater state");
                    if (blockOf(v) < lowestTrained) { // below every trained module: backprop stops above it
                        assertNull(sd.getGradForVariable(v), v + " has no gradient variable");
                    } // (an op still on the backprop path computes its constant inputs' gradients; SameDiff drops them)
                }
            }
            assertEquals(trainVars, sd.getUpdaterMap().keySet());
        }

        @Test
        @DisplayName("trains the selected variables bit-identically to converting the others to constants by hand")
        void matchesAHandFreeze() {
            SameDiff sd = TestGraphs.gated(11);
            SpectrumSameDiffTrainer spectrum = SpectrumSameDiffTrainer.builder().optTopPercent(50)
                    .optStrategy(SelectionStrategy.random()).optSeed(5).optAlwaysTrain("head").build();
            spectrum.selectNow(sd);
            Set<String> trainVars = spectrum.modules().orElseThrow().variablesOf(spectrum.selected());

            SameDiff byHand = TestGraphs.gated(11);
            byHand.convertToConstants(SameDiffModules.trainableVariables(byHand).stream()
                    .filter(v -> !trainVars.contains(v)).map(byHand::getVariable).toList());
            assertEquals(trainVars, trainable(byHand));

            for (MultiDataSet b : TestGraphs.batches(4, 25)) {
                spectrum.fit(sd, b);
                byHand.fit(b);
            }
            assertAllBitIdentical(TestGraphs.snapshot(byHand), TestGraphs.snapshot(sd));
            assertSameUpdaterState(byHand, sd);
        }

        @Test
        @DisplayName("keeps the optimizer state of variables that stay trainable; re-trained ones start from zero")
        void reselectionKeepsState() {
            SameDiff sd = TestGraphs.gated(5);
            Scripted scripted = new Scripted();
            scripted.scores.put("block.0.dense", 1.0);
            scripted.scores.put("block.0.gate", 1.0);
            SpectrumSameDiffTrainer spectrum = SpectrumSameDiffTrainer.builder().optStrategy(scripted)
                    .optReselectEveryIterations(1000).build();
            spectrum.selectNow(sd);
            scripted.scores.put("block.0.gate", 0.0);
            scripted.scores.put("block.1.gate", 1.0);
            spectrum.selectNow(sd); // gate 0 → frozen, gate 1 → trainable, nothing trained yet
            scripted.scores.put("block.0.gate", 1.0);
            scripted.scores.put("block.1.gate", 0.0);
            List<MultiDataSet> data = TestGraphs.batches(2, 6);
            for (MultiDataSet b : data) {
                spectrum.fit(sd, b);
            }
            Map<String, Map<String, INDArray>> state = TestGraphs.updaterState(sd);
            SameDiff gradBefore = sd.getFunction("grad");
            long rebuildsBefore = spectrum.gradientRebuildNanos();

            SelectionEvent event = spectrum.selectNow(sd); // gate 1 → frozen, gate 0 → trainable again
            assertEquals(Set.of("block.0.dense", "block.0.gate"), event.selected());
            Map<String, Map<String, INDArray>> after = TestGraphs.updaterState(sd);
            assertEquals(Set.of("block.0.dense/kernel", "block.0.dense/bias", "block.0.gate/kernel"),
                    after.keySet());
            for (String kept : List.of("block.0.dense/kernel", "block.0.dense/bias")) {
                state.get(kept).forEach((k, a) -> {
                    assertTrue(a.amaxNumber().doubleValue() > 0, kept + " " + k + " has state");
                    assertBitIdentical(a, after.get(kept).get(k), kept + " " + k);
                });
            }
            after.get("block.0.gate/kernel").forEach((k, a) ->
                    assertEquals(0.0, a.amaxNumber().doubleValue(), "fresh state " + k));
            assertNotSame(gradBefore, sd.getFunction("grad"), "the gradient function was rebuilt");
            assertTrue(spectrum.gradientRebuildNanos() > rebuildsBefore);
            spectrum.fit(sd, data.get(0)); // and training goes on
            assertTrue(TestGraphs.updaterState(sd).get("block.0.gate/kernel").values().stream()
                    .anyMatch(a -> a.amaxNumber().doubleValue() > 0));
        }

        static Stream<SelectionStrategy> strategies() {
            return Stream.of(SelectionStrategy.snr(), SelectionStrategy.snr(SnrRule.REF2024, 2),
                    SelectionStrategy.random(), SelectionStrategy.gradientNorm(), SelectionStrategy.activationNorm(),
                    SelectionStrategy.firstK(), SelectionStrategy.lastK(), SelectionStrategy.lisa());
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("strategies")
        @DisplayName("works with every selection strategy and records the listener's history events")
        void everyStrategy(SelectionStrategy strategy) {
            SameDiff sd = TestGraphs.gated(3);
            SpectrumSameDiffTrainer spectrum = SpectrumSameDiffTrainer.builder().optStrategy(strategy)
                    .optReselectEveryIterations(2).optSeed(9).build();
            Map<String, INDArray> before = TestGraphs.snapshot(sd);
            for (MultiDataSet b : TestGraphs.batches(8, 6)) {
                spectrum.fit(sd, b);
            }
            List<SelectionEvent> h = spectrum.history();
            boolean observes = strategy.needsGradients() || strategy.needsActivations();
            assertEquals(observes ? List.of(1, 2, 4, 6) : List.of(0, 2, 4, 6),
                    h.stream().map(SelectionEvent::iteration).toList());
            for (SelectionEvent e : h) {
                assertEquals(strategy.name(), e.strategy());
                assertEquals(2 * TestGraphs.BLOCKS + 1, e.scores().size());
                int forced = strategy.name().equals("lisa") ? 2 : 0;
                assertTrue(e.selected().size() >= 2 && e.selected().size() <= 2 + forced, e.selected().toString());
            }
            // modules frozen through the whole run did not move
            Set<String> everTrained = new LinkedHashSet<>();
            h.forEach(e -> everTrained.addAll(e.selected()));
            SameDiffModules m = spectrum.modules().orElseThrow();
            Set<String> touched = m.variablesOf(everTrained);
            Map<String, INDArray> after = TestGraphs.snapshot(sd);
            for (String v : m.variables()) {
                if (!touched.contains(v) && !observes) {
                    assertBitIdentical(before.get(v), after.get(v), v);
                }
            }
        }

        @Test
        @DisplayName("counts epochs over an iterator and re-selects on an epoch schedule")
        void epochSchedule() {
            SameDiff sd = TestGraphs.gated(3);
            SpectrumSameDiffTrainer spectrum = SpectrumSameDiffTrainer.builder()
                    .optStrategy(SelectionStrategy.random()).optReselectEveryEpochs(2).build();
            var data = new org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter(
                    new org.nd4j.linalg.dataset.api.iterator.TestDataSetIterator(
                            new org.nd4j.linalg.dataset.DataSet(TestGraphs.random(new java.util.SplittableRandom(1),
                                    12, TestGraphs.WIDTH), TestGraphs.random(new java.util.SplittableRandom(2), 12,
                                    TestGraphs.OUT)), 4));
            spectrum.fit(sd, data, 4);
            assertEquals(4, sd.getTrainingConfig().getEpochCount());
            assertEquals(12, sd.getTrainingConfig().getIterationCount());
            assertEquals(List.of(0, 6, 12), spectrum.history().stream().map(SelectionEvent::iteration).toList());
            assertEquals(List.of(0, 2, 4), spectrum.history().stream().map(SelectionEvent::epoch).toList());
        }
    }

    @Nested
    @DisplayName("saving and loading")
    class SaveLoad {
        @TempDir
        Path dir;

        @Test
        @DisplayName("resumes a graph saved mid-training with the same frozen set, bit-identically")
        void resumesBitIdentically() throws IOException {
            List<MultiDataSet> data = TestGraphs.batches(6, 12);
            SpectrumSameDiffTrainer.Builder config = SpectrumSameDiffTrainer.builder().optTopPercent(50)
                    .optStrategy(SelectionStrategy.random()).optReselectEveryIterations(4).optSeed(21);

            SameDiff straight = TestGraphs.gated(13);
            SpectrumSameDiffTrainer a = config.build();
            for (MultiDataSet b : data) {
                a.fit(straight, b);
            }

            SameDiff first = TestGraphs.gated(13);
            SpectrumSameDiffTrainer b1 = config.build();
            for (MultiDataSet b : data.subList(0, 6)) {
                b1.fit(first, b);
            }
            Path file = dir.resolve("model.sd");
            b1.save(first, file);
            assertTrue(SpectrumSameDiffTrainer.stateFile(file).toFile().isFile());

            SpectrumSameDiffTrainer b2 = config.build();
            SameDiff resumed = b2.load(file);
            assertEquals(b1.selected(), b2.selected());
            assertEquals(trainable(first), trainable(resumed));
            assertEquals(6, resumed.getTrainingConfig().getIterationCount());
            for (MultiDataSet b : data.subList(6, 12)) {
                b2.fit(resumed, b);
            }
            assertAllBitIdentical(TestGraphs.snapshot(straight), TestGraphs.snapshot(resumed));
            assertEquals(a.history().stream().map(SelectionEvent::selected).toList(),
                    b2.history().stream().map(SelectionEvent::selected).toList());
            assertSameUpdaterState(straight, resumed);
        }

        @Test
        @DisplayName("refuses a graph file without its Spectrum state, naming the missing file")
        void refusesMissingState() throws IOException {
            SameDiff sd = TestGraphs.gated(1);
            Path file = dir.resolve("plain.sd");
            sd.save(file.toFile(), true);
            IOException e = assertThrows(IOException.class, () -> SpectrumSameDiffTrainer.builder().build().load(file));
            assertTrue(e.getMessage().contains("plain.sd.spectrum.json"), e.getMessage());
        }
    }

    @Nested
    @DisplayName("bad input")
    class BadInput {
        @Test
        @DisplayName("a graph without a TrainingConfig")
        void noTrainingConfig() {
            SameDiff sd = SameDiff.create();
            sd.var("layer.0.w/kernel", TestGraphs.random(new java.util.SplittableRandom(1), 4, 4));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SpectrumSameDiffTrainer.builder().build().selectNow(sd));
            assertTrue(e.getMessage().contains("no TrainingConfig"), e.getMessage());
        }

        @Test
        @DisplayName("a graph of placeholders only")
        void placeholdersOnly() {
            SameDiff sd = SameDiff.create();
            sd.placeHolder("in", org.nd4j.linalg.api.buffer.DataType.FLOAT, -1, 4);
            sd.placeHolder("label", org.nd4j.linalg.api.buffer.DataType.FLOAT, -1, 4);
            sd.setTrainingConfig(org.nd4j.autodiff.samediff.TrainingConfig.builder()
                    .updater(new org.nd4j.linalg.learning.config.Sgd(0.1)).dataSetFeatureMapping("in")
                    .dataSetLabelMapping("label").build());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumSameDiffTrainer.builder().build().selectNow(sd));
            assertTrue(e.getMessage().contains("only placeholders"), e.getMessage());
        }

        @Test
        @DisplayName("a graph without trainable variables, or without trainable matrices")
        void nothingTrainable() {
            SameDiff constants = TestGraphs.gated(1);
            constants.convertToConstants(SameDiffModules.trainableVariables(constants).stream()
                    .map(constants::getVariable).toList());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumSameDiffTrainer.builder().build().selectNow(constants));
            assertTrue(e.getMessage().contains("no trainable floating-point variables"), e.getMessage());

            SameDiff vectors = TestGraphs.gated(1);
            vectors.convertToConstants(SameDiffModules.trainableVariables(vectors).stream()
                    .filter(v -> v.endsWith("kernel")).map(vectors::getVariable).toList());
            e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumSameDiffTrainer.builder().build().selectNow(vectors));
            assertTrue(e.getMessage().contains("none of rank ≥ 2"), e.getMessage());
        }

        @Test
        @DisplayName("an always-train pattern that matches no module")
        void patternMatchesNothing() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumSameDiffTrainer.builder().optAlwaysTrain("decoder.*").build()
                            .selectNow(TestGraphs.gated(1)));
            assertTrue(e.getMessage().contains("'decoder.*' matches no module"), e.getMessage());
        }

        @Test
        @DisplayName("a selection that would train nothing suggests the fixes")
        void emptySelection() {
            SameDiff sd = TestGraphs.gated(1);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SpectrumSameDiffTrainer.builder().optTopPercent(10).build().selectNow(sd));
            assertTrue(e.getMessage().contains("optModules"), e.getMessage());
            assertEquals(SameDiffModules.trainableVariables(TestGraphs.gated(1)), List.copyOf(trainable(sd)),
                    "nothing was frozen");
        }

        @Test
        @DisplayName("contradictory builder options")
        void contradictoryOptions() {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> SpectrumSameDiffTrainer.builder()
                    .optRule(SnrRule.REF2024).optStrategy(SelectionStrategy.snr()).build()).getMessage()
                    .contains("optRule"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> SpectrumSameDiffTrainer.builder()
                    .optAnalyzerThreads(2).optStrategy(SelectionStrategy.random()).build()).getMessage()
                    .contains("optAnalyzerThreads"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> SpectrumSameDiffTrainer.builder()
                    .optMinSnr(0.5).optStrategy(SelectionStrategy.random()).build()).getMessage()
                    .contains("does not score by SNR"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> SpectrumSameDiffTrainer.builder()
                    .optReselectEveryEpochs(1).optReselectEveryIterations(10)).getMessage()
                    .contains("choose one re-selection schedule"));
            assertThrows(IllegalArgumentException.class, () -> SpectrumSameDiffTrainer.builder().optTopPercent(0));
        }

        @Test
        @DisplayName("contradictions are worded as the trainer always worded them")
        void contradictionMessages() {
            assertEquals("optRule and optAnalyzerThreads configure the default SNR strategy; with optStrategy(random) "
                    + "configure the strategy itself, e.g. SelectionStrategy.snr(rule, threads)",
                    assertThrows(IllegalArgumentException.class, () -> SpectrumSameDiffTrainer.builder()
                            .optAnalyzerThreads(2).optStrategy(SelectionStrategy.random()).build()).getMessage());
            assertEquals("optMinSnr(0.5) needs SNR scores, but strategy 'random' does not score by SNR",
                    assertThrows(IllegalArgumentException.class, () -> SpectrumSameDiffTrainer.builder()
                            .optMinSnr(0.5).optStrategy(SelectionStrategy.random()).build()).getMessage());
        }

        @Test
        @DisplayName("a module naming that returns null")
        void nullNaming() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumSameDiffTrainer.builder().optModules(v -> null).build()
                            .selectNow(TestGraphs.gated(1)));
            assertTrue(e.getMessage().contains("returned null for variable"), e.getMessage());
        }
    }
}
