package ai.spectrum.training;

import ai.spectrum.selection.SelectionStrategy;
import ai.spectrum.training.TestNets.Options;
import ai.spectrum.training.freeze.SelectiveFreezeLayerImpl;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpectrumListenerTests {

    /** Trains exactly the modules matching the patterns: a top percent that keeps nothing by rank. */
    static SpectrumListener trainOnly(String... modules) {
        return SpectrumListener.builder().optTopPercent(1).optAlwaysTrain(modules)
                .optStrategy(SelectionStrategy.firstK()).build();
    }

    private static void assertBitIdentical(Map<String, INDArray> expected, Map<String, INDArray> actual,
                                           Predicate<String> keys, String what) {
        int n = 0;
        for (String k : expected.keySet()) {
            if (keys.test(k)) {
                assertEquals(expected.get(k), actual.get(k), what + ": parameter " + k + " differs");
                n++;
            }
        }
        assertTrue(n > 0, "no parameters compared for " + what);
    }

    private static void assertAllMoved(Map<String, INDArray> before, Map<String, INDArray> after,
                                       Predicate<String> keys) {
        for (String k : before.keySet()) {
            if (keys.test(k)) {
                assertNotEquals(before.get(k), after.get(k), "trainable parameter " + k + " did not move");
            }
        }
    }

    private static Predicate<String> layerPrefix(String... layers) {
        return k -> {
            for (String l : layers) {
                if (k.startsWith(l + "_")) {
                    return true;
                }
            }
            return false;
        };
    }

    @Nested
    @DisplayName("frozen parameters")
    class FrozenParameters {

        @Test
        @DisplayName("do not move in a MultiLayerNetwork under Adam, L2, weight decay, dropout and batch norm")
        void multiLayerFrozenBitIdentical() {
            MultiLayerNetwork net = TestNets.mln(Options.all());
            net.addListeners(trainOnly("layer0", "layer3"));
            Map<String, INDArray> before = TestNets.snapshot(net.paramTable());
            net.fit(TestNets.iterator(TestNets.batches(10, 1)), 3);
            Map<String, INDArray> after = net.paramTable();
            assertBitIdentical(before, after, layerPrefix("2", "4"), "frozen");
            assertAllMoved(before, after, layerPrefix("0", "1", "3"));
            assertInstanceOf(BatchNormalization.class, net.getLayer(1), "batch norm trains with layer0 feeding it");
            assertInstanceOf(SelectiveFreezeLayerImpl.class, net.getLayer(2));
            assertTrue(((SelectiveFreezeLayerImpl) net.getLayer(2)).skipsWeightGradient(),
                    "frozen dense layer should compute no weight gradient");
            assertTrue(((SelectiveFreezeLayerImpl) net.getLayer(4)).skipsWeightGradient(),
                    "frozen output layer should compute no weight gradient");
            assertEquals(30, net.getIterationCount());
        }

        @Test
        @DisplayName("do not move in a ComputationGraph under Adam, L2, weight decay, dropout and batch norm")
        void graphFrozenBitIdentical() {
            ComputationGraph g = TestNets.graph(Options.all());
            g.addListeners(trainOnly("d0", "d2"));
            Map<String, INDArray> before = TestNets.snapshot(g.paramTable());
            g.fit(TestNets.iterator(TestNets.batches(10, 1)), 3);
            Map<String, INDArray> after = g.paramTable();
            assertBitIdentical(before, after, layerPrefix("d1", "out"), "frozen");
            assertAllMoved(before, after, layerPrefix("d0", "bn0", "d2"));
        }

        @Test
        @DisplayName("hold no optimizer state: Adam state is 2 × the trainable parameter count")
        void noOptimizerState() {
            ComputationGraph g = TestNets.graph(Options.all());
            SpectrumListener l = trainOnly("d2");
            g.addListeners(l);
            g.fit(TestNets.iterator(TestNets.batches(2, 1)));
            long trainable = g.getLayer("d2").numParams();
            assertEquals(2 * trainable, g.getUpdater().getStateViewArray().length());
            assertInstanceOf(FrozenLayer.class, g.getLayer("d0"), "prefix closed under ancestors is structural");
            assertInstanceOf(FrozenLayer.class, g.getLayer("bn0"));
            assertInstanceOf(FrozenLayer.class, g.getLayer("d1"));
            assertEquals(Set.of("d0", "bn0", "d1"), l.history().get(0).frozenLayers());
        }
    }

    @Nested
    @DisplayName("trainable parameters")
    class TrainableParameters {

        @Test
        @DisplayName("match a MultiLayerNetwork frozen statically with TransferLearning, bit for bit")
        void multiLayerMatchesTransferLearning() {
            MultiLayerNetwork reference = TestNets.mln(Options.all());
            MultiLayerNetwork net = TestNets.mln(Options.all());
            MultiLayerNetwork frozen = new TransferLearning.Builder(reference).setFeatureExtractor(2).build();
            net.addListeners(trainOnly("layer3", "layer4"));
            List<DataSet> data = TestNets.batches(10, 3);
            Nd4j.getRandom().setSeed(11);
            frozen.fit(TestNets.iterator(data), 2);
            Nd4j.getRandom().setSeed(11);
            net.fit(TestNets.iterator(data), 2);
            assertBitIdentical(frozen.paramTable(), net.paramTable(), k -> true, "all");
            assertAllMoved(TestNets.mln(Options.all()).paramTable(), net.paramTable(), layerPrefix("3", "4"));
        }

        @Test
        @DisplayName("match a ComputationGraph frozen statically with TransferLearning, bit for bit")
        void graphMatchesTransferLearning() {
            ComputationGraph reference = TestNets.graph(Options.all());
            ComputationGraph g = TestNets.graph(Options.all());
            ComputationGraph frozen = new TransferLearning.GraphBuilder(reference).setFeatureExtractor("d1").build();
            g.addListeners(trainOnly("d2", "out"));
            List<DataSet> data = TestNets.batches(10, 3);
            Nd4j.getRandom().setSeed(11);
            frozen.fit(TestNets.iterator(data), 2);
            Nd4j.getRandom().setSeed(11);
            g.fit(TestNets.iterator(data), 2);
            assertBitIdentical(frozen.paramTable(), g.paramTable(), k -> true, "all");
        }

        @Test
        @DisplayName("below a frozen middle layer match DL4J's FrozenLayerWithBackprop, bit for bit")
        void middleFreezeMatchesFrozenLayerWithBackprop() {
            // Without regularization, dropout and batch norm, FrozenLayerWithBackprop keeps its layer exactly fixed
            // (zero gradient, Adam step 0), so it is an independent reference for the selective wrapper, whose
            // frozen dense and output layers compute only the epsilon.
            MultiLayerNetwork net = TestNets.mln(Options.bare());
            MultiLayerNetwork ref = TestNets.mln(Options.bare());
            var confs = ref.getLayerWiseConfigurations().getConfs();
            for (int i : new int[]{2, 4}) {
                confs.get(i).setLayer(new FrozenLayerWithBackprop(confs.get(i).getLayer()));
            }
            MultiLayerNetwork reference = new MultiLayerNetwork(ref.getLayerWiseConfigurations().clone());
            reference.init(net.params().dup(), true);
            Map<String, INDArray> before = TestNets.snapshot(net.paramTable());
            net.addListeners(trainOnly("layer0", "layer3"));
            List<DataSet> data = TestNets.batches(8, 5);
            reference.fit(TestNets.iterator(data), 2);
            net.fit(TestNets.iterator(data), 2);
            assertBitIdentical(reference.paramTable(), net.paramTable(), k -> true, "all");
            assertAllMoved(before, net.paramTable(), layerPrefix("0", "3"));
            assertTrue(((SelectiveFreezeLayerImpl) net.getLayer(2)).skipsWeightGradient());
            assertTrue(((SelectiveFreezeLayerImpl) net.getLayer(4)).skipsWeightGradient());
        }
    }

    @Nested
    @DisplayName("checkpoints")
    class Checkpoints {

        private <T extends Model> void checkResume(T first, T second, Path dir, boolean graph) throws IOException {
            List<DataSet> part1 = TestNets.batches(5, 21);
            List<DataSet> part2 = TestNets.batches(5, 22);
            SpectrumListener.Builder cfg = SpectrumListener.builder().optTopPercent(50)
                    .optStrategy(SelectionStrategy.lisa()).optReselectEveryIterations(2).optSeed(5);
            SpectrumListener uninterrupted = cfg.build();
            first.addListeners(uninterrupted);
            Nd4j.getRandom().setSeed(1);
            fit(first, part1);
            Nd4j.getRandom().setSeed(2);
            fit(first, part2);

            second.addListeners(cfg.build());
            Nd4j.getRandom().setSeed(1);
            fit(second, part1);
            File file = dir.resolve("model.zip").toFile();
            ModelSerializer.writeModel(second, file, true);
            Model restored = graph ? ModelSerializer.restoreComputationGraph(file, true)
                    : ModelSerializer.restoreMultiLayerNetwork(file, true);
            SpectrumListener resumed = cfg.build();
            ((org.deeplearning4j.nn.api.Model) restored).addListeners(resumed);
            Nd4j.getRandom().setSeed(2);
            fit(restored, part2);

            assertEquals(first.params(), restored.params(), "resumed run differs from the uninterrupted one");
            assertTrue(uninterrupted.history().size() >= 3, "expected re-selections, got " + uninterrupted.history());
            Set<String> first0 = uninterrupted.history().get(0).selected();
            assertTrue(uninterrupted.history().stream().anyMatch(e -> !e.selected().equals(first0)),
                    "LISA should change the selection: " + uninterrupted.history());
            List<SelectionEvent> tail = uninterrupted.history().stream().filter(e -> e.iteration() > 5).toList();
            assertEquals(tail.size(), resumed.history().size(), "re-selections after the restore");
            for (int i = 0; i < tail.size(); i++) {
                assertEquals(tail.get(i).iteration(), resumed.history().get(i).iteration());
                assertEquals(tail.get(i).selected(), resumed.history().get(i).selected());
            }
        }

        private void fit(Model m, List<DataSet> data) {
            if (m instanceof ComputationGraph g) {
                g.fit(TestNets.iterator(data));
            } else {
                ((MultiLayerNetwork) m).fit(TestNets.iterator(data));
            }
        }

        @Test
        @DisplayName("save at iteration 5, restore, continue: a MultiLayerNetwork matches an uninterrupted run")
        void multiLayerResume(@TempDir Path dir) throws IOException {
            checkResume(TestNets.mln(Options.plain()), TestNets.mln(Options.plain()), dir, false);
        }

        @Test
        @DisplayName("save at iteration 5, restore, continue: a ComputationGraph matches an uninterrupted run")
        void graphResume(@TempDir Path dir) throws IOException {
            checkResume(TestNets.graph(Options.plain()), TestNets.graph(Options.plain()), dir, true);
        }

        @Test
        @DisplayName("clone() keeps the freeze and the optimizer state layout")
        void cloneKeepsFreeze() {
            ComputationGraph g = TestNets.graph(Options.all());
            g.addListeners(trainOnly("d0", "d2"));
            g.fit(TestNets.iterator(TestNets.batches(3, 1)));
            ComputationGraph c = g.clone();
            assertInstanceOf(SelectiveFreezeLayerImpl.class, c.getLayer("d1"));
            assertEquals(g.getUpdater().getStateViewArray(), c.getUpdater().getStateViewArray());
            INDArray x = TestNets.batches(1, 9).get(0).getFeatures();
            assertEquals(g.outputSingle(x), c.outputSingle(x));
        }
    }
}
