package ai.spectrum.training;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.selection.SelectionContext;
import ai.spectrum.selection.SelectionStrategy;
import ai.spectrum.training.TestNets.Options;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SelectionTests {

    @Nested
    @DisplayName("bad configuration")
    class BadConfiguration {

        @ParameterizedTest
        @ValueSource(doubles = {0, -5, 100.5, Double.NaN})
        @DisplayName("a top percent outside (0, 100] is rejected, naming the value")
        void percentOutOfRange(double p) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumListener.builder().optTopPercent(p));
            assertTrue(e.getMessage().contains(Double.toString(p)), e.getMessage());
        }

        @ParameterizedTest
        @ValueSource(ints = {0, -3})
        @DisplayName("an interval ≤ 0 is rejected for iterations and epochs")
        void intervalNotPositive(int n) {
            assertThrows(IllegalArgumentException.class, () -> SpectrumListener.builder().optReselectEveryIterations(n));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumListener.builder().optReselectEveryEpochs(n));
            assertTrue(e.getMessage().contains(Integer.toString(n)), e.getMessage());
        }

        @Test
        @DisplayName("an invalid always-train regular expression is rejected at build time")
        void invalidRegex() {
            assertThrows(IllegalArgumentException.class,
                    () -> SpectrumListener.builder().optAlwaysTrain("d[0").build());
        }

        @Test
        @DisplayName("an always-train pattern that matches no module fails the selection, also inside fit")
        void alwaysTrainMatchesNothing() {
            ComputationGraph g = TestNets.graph(Options.plain());
            SpectrumListener l = SpectrumListener.builder().optAlwaysTrain("attention.*").build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.selectNow(g));
            assertTrue(e.getMessage().contains("attention.*"), e.getMessage());
            ComputationGraph g2 = TestNets.graph(Options.plain());
            g2.addListeners(SpectrumListener.builder().optAlwaysTrain("attention.*").build());
            assertThrows(IllegalArgumentException.class, () -> g2.fit(TestNets.iterator(TestNets.batches(1, 1))));
        }

        @Test
        @DisplayName("a model without weight matrices is rejected")
        void noWeights() {
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                    .layer(new ActivationLayer.Builder().activation(Activation.TANH).build())
                    .layer(new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build())
                    .build();
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumListener.builder().build().selectNow(net));
            assertTrue(e.getMessage().contains("no weight matrices"), e.getMessage());
        }

        @Test
        @DisplayName("a selection that would train nothing is an error, not a silent no-op")
        void nothingSelected() {
            ComputationGraph g = TestNets.graph(Options.plain());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SpectrumListener.builder().optTopPercent(10).build().selectNow(g));
            assertTrue(e.getMessage().contains("optTopPercent"), e.getMessage());
        }

        @Test
        @DisplayName("a model that is neither ComputationGraph nor MultiLayerNetwork is rejected")
        void unsupportedModel() {
            ComputationGraph g = TestNets.graph(Options.plain());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumListener.builder().build().selectNow(g.getLayer("d0")));
            assertTrue(e.getMessage().contains("ComputationGraph and MultiLayerNetwork"), e.getMessage());
        }
    }

    @Nested
    @DisplayName("strategies")
    class StrategiesBehaviour {

        private SelectionEvent selectWith(SelectionStrategy s, double percent, long seed) {
            return SpectrumListener.builder().optTopPercent(percent).optStrategy(s).optSeed(seed).build()
                    .selectNow(TestNets.graph(Options.plain()));
        }

        @Test
        @DisplayName("SNR (default) scores every module with the analyzer and trains the top share of each type")
        void snrIsDefault() {
            ComputationGraph g = TestNets.graph(Options.plain());
            SpectrumAnalyzer analyzer = SpectrumAnalyzer.builder().build();
            Map<String, Double> expected = new LinkedHashMap<>();
            for (NetworkWeights.Entry e : Dl4jNetwork.of(g).weights().entries()) {
                ModuleScore s = analyzer.score(e.info().name(), e.info().type(), e.array());
                expected.put(e.info().name(), s.snr());
            }
            // one analyzer thread, like the reference: the multi-threaded scan may differ in the last bits
            SelectionEvent ev = SpectrumListener.builder().optTopPercent(67).optAnalyzerThreads(1).build()
                    .selectNow(g);
            assertEquals("snr", ev.strategy());
            assertEquals(expected, ev.scores());
            String worst = expected.entrySet().stream().filter(x -> !x.getKey().equals("out"))
                    .min(Map.Entry.comparingByValue()).orElseThrow().getKey();
            assertEquals(2, ev.selected().size());
            assertTrue(!ev.selected().contains(worst) && !ev.selected().contains("out"), ev.toString());
        }

        @Test
        @DisplayName("SNR re-selection reuses the scores of frozen modules and still equals a fresh scan")
        void snrReuseMatchesFreshScan() {
            ComputationGraph g = TestNets.graph(Options.plain());
            SpectrumListener l = SpectrumListener.builder().optTopPercent(67).optReselectEveryIterations(3)
                    .optAnalyzerThreads(1).build();
            g.addListeners(l);
            g.fit(TestNets.iterator(TestNets.batches(3, 8)));
            assertEquals(2, l.history().size());
            SpectrumAnalyzer analyzer = SpectrumAnalyzer.builder().build();
            for (NetworkWeights.Entry e : Dl4jNetwork.of(g).weights().entries()) {
                double fresh = analyzer.score(e.info().name(), e.info().type(), e.array()).snr();
                assertEquals(fresh, l.history().get(1).scores().get(e.info().name()), e.info().name());
            }
            assertTrue(!l.history().get(0).scores().get("d0").equals(l.history().get(1).scores().get("d0"))
                    || !l.history().get(0).scores().get("d1").equals(l.history().get(1).scores().get("d1")),
                    "a trained module's SNR should have been recomputed");
        }

        /** Delegates to SNR and records, per selection, the modules it had to analyse (no reusable score). */
        private record CountingSnr(SelectionStrategy inner, List<Set<String>> analysed) implements SelectionStrategy {
            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public boolean scoresAreSnr() {
                return true;
            }

            @Override
            public Choice choose(SelectionContext context) {
                Set<String> fresh = new LinkedHashSet<>();
                for (NetworkWeights.Entry e : context.weights().entries()) {
                    if (!context.frozenScores().containsKey(e.info().name())) {
                        fresh.add(e.info().name());
                    }
                }
                analysed.add(fresh);
                return inner.choose(context);
            }
        }

        private List<Set<String>> analysedWhileTraining(String alwaysTrain, List<SelectionEvent> events) {
            ComputationGraph g = TestNets.graph(Options.plain());
            List<Set<String>> analysed = new ArrayList<>();
            SpectrumListener l = SpectrumListener.builder().optTopPercent(67).optReselectEveryIterations(1)
                    .optAlwaysTrain(alwaysTrain).optStrategy(new CountingSnr(SelectionStrategy.snr(), analysed))
                    .build();
            g.addListeners(l);
            g.fit(TestNets.iterator(TestNets.batches(3, 8)));
            events.addAll(l.history());
            return analysed;
        }

        @Test
        @DisplayName("a module alone in its type and always trained is analysed at the first selection only")
        void alwaysTrainedTypeNotReanalysed() {
            List<SelectionEvent> events = new ArrayList<>();
            List<Set<String>> analysed = analysedWhileTraining("out", events);
            assertTrue(analysed.size() >= 3, analysed.toString());
            assertTrue(analysed.get(0).contains("out"), analysed.toString());
            for (int i = 1; i < analysed.size(); i++) {
                assertTrue(!analysed.get(i).contains("out"), "re-selection " + i + " analysed 'out': " + analysed);
                assertEquals(events.get(0).scores().get("out"), events.get(i).scores().get("out"));
                assertTrue(events.get(i).selected().contains("out"));
            }
        }

        @Test
        @DisplayName("an always-trained module that shares its type with ranked modules is re-analysed")
        void alwaysTrainedInRankedTypeReanalysed() {
            List<SelectionEvent> events = new ArrayList<>();
            List<Set<String>> analysed = analysedWhileTraining("d0", events);
            assertTrue(analysed.size() >= 3, analysed.toString());
            for (Set<String> a : analysed) {
                assertTrue(a.contains("d0"), analysed.toString());
            }
        }

        @Test
        @DisplayName("first-k and last-k take modules from the input side and the output side of each type")
        void positional() {
            assertEquals(Set.of("d0", "d1"), selectWith(SelectionStrategy.firstK(), 67, 1).selected());
            assertEquals(Set.of("d1", "d2"), selectWith(SelectionStrategy.lastK(), 67, 1).selected());
        }

        @Test
        @DisplayName("random is reproducible from the seed and varies with it")
        void random() {
            SelectionEvent a = selectWith(SelectionStrategy.random(), 34, 3);
            SelectionEvent b = selectWith(SelectionStrategy.random(), 34, 3);
            assertEquals(a.selected(), b.selected());
            assertEquals(a.scores(), b.scores());
            boolean differs = false;
            for (long seed = 4; seed < 12 && !differs; seed++) {
                differs = !selectWith(SelectionStrategy.random(), 34, seed).scores().equals(a.scores());
            }
            assertTrue(differs);
        }

        @Test
        @DisplayName("LISA always trains the first and the last module")
        void lisa() {
            for (long seed = 0; seed < 5; seed++) {
                Set<String> sel = selectWith(SelectionStrategy.lisa(), 34, seed).selected();
                assertTrue(sel.contains("d0") && sel.contains("out"), sel.toString());
                assertEquals(3, sel.size(), "first, last and one of three dense modules: " + sel);
            }
        }

        @Test
        @DisplayName("gradient norm selects after the first iteration, from the raw gradients of that iteration")
        void gradientNorm() {
            ComputationGraph g = TestNets.graph(Options.plain());
            List<DataSet> data = TestNets.batches(3, 4);
            ComputationGraph probe = g.clone();
            probe.setInputs(data.get(0).getFeatures());
            probe.setLabels(data.get(0).getLabels());
            probe.computeGradientAndScore();
            Map<String, Double> expected = new LinkedHashMap<>();
            for (String m : List.of("d0", "d1", "d2", "out")) {
                INDArray grad = probe.gradient().getGradientFor(m + "_W");
                expected.put(m, grad.norm2Number().doubleValue());
            }
            SpectrumListener l = SpectrumListener.builder().optTopPercent(67)
                    .optStrategy(SelectionStrategy.gradientNorm()).optReselectEveryIterations(100).build();
            g.addListeners(l);
            g.fit(TestNets.iterator(data));
            assertEquals(1, l.history().size());
            SelectionEvent ev = l.history().get(0);
            assertEquals(1, ev.iteration());
            assertEquals(expected, ev.scores());
        }

        @Test
        @DisplayName("activation norm selects after the first iteration, by the RMS of each layer's training-mode output")
        void activationNorm() {
            ComputationGraph g = TestNets.graph(Options.plain());
            List<DataSet> data = TestNets.batches(3, 4);
            Map<String, INDArray> acts = g.clone().feedForward(data.get(0).getFeatures(), true);
            Map<String, Double> expected = new LinkedHashMap<>();
            // an output layer is scored by its input (DL4J does not report its output during fit)
            Map<String, String> source = Map.of("d0", "d0", "d1", "d1", "d2", "d2", "out", "d2");
            for (String m : List.of("d0", "d1", "d2", "out")) {
                INDArray a = acts.get(source.get(m));
                expected.put(m, a.norm2Number().doubleValue() / Math.sqrt(a.length()));
            }
            SpectrumListener l = SpectrumListener.builder().optTopPercent(67)
                    .optStrategy(SelectionStrategy.activationNorm()).optReselectEveryIterations(100).build();
            g.addListeners(l);
            g.fit(TestNets.iterator(data));
            SelectionEvent ev = l.history().get(0);
            assertEquals(1, ev.iteration());
            assertEquals(expected.keySet(), ev.scores().keySet());
            expected.forEach((m, v) -> assertEquals(v, ev.scores().get(m), 1e-5 * v, m));
            // top 67% of the three DenseLayer/W modules by RMS; the output layer is a type of one (67% of 1 rounds to 0)
            List<String> dense = new ArrayList<>(List.of("d0", "d1", "d2"));
            dense.sort(Comparator.comparingDouble(expected::get).reversed());
            assertEquals(Set.of(dense.get(0), dense.get(1)), ev.selected());
        }
    }

    @Test
    @DisplayName("the history round-trips through JSON lines, non-finite scores included")
    void historyJsonLines() throws IOException {
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("a", Double.POSITIVE_INFINITY);
        scores.put("b", Double.NaN);
        scores.put("c", 0.125);
        List<SelectionEvent> events = List.of(
                new SelectionEvent(0, 0, "snr", scores, Set.of("a"), Set.of(), 1234),
                new SelectionEvent(40, 2, "snr", Map.of("a", 1.0), Set.of("a"), Set.of("x"), 99),
                new SelectionEvent(41, 2, "snr", Map.of("a", 1.0), Set.of("a"), Set.of("x"), 99, Set.of("u")));
        StringWriter w = new StringWriter();
        SelectionHistory.write(events, w);
        assertEquals(3, w.toString().split("\n").length);
        assertEquals(events, SelectionHistory.read(new StringReader(w.toString())));
        assertEquals(events.subList(0, 1), SelectionHistory.read(new StringReader(w.toString().split("\n")[0]
                .replace(",\"userFrozen\":[]", ""))), "a history written before userFrozen existed");
        IOException e = assertThrows(IOException.class, () -> SelectionHistory.read(new StringReader("{\n")));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }
}
