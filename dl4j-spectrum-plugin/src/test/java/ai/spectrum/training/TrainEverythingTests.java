package ai.spectrum.training;

import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.training.TestNets.Options;
import ai.spectrum.training.freeze.NetworkFreeze;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Selecting every module trains exactly as without the listener; norm layers follow one documented rule. */
class TrainEverythingTests {

    private static void fit(Model m, List<DataSet> data, int epochs) {
        Nd4j.getRandom().setSeed(17); // dropout masks
        if (m instanceof ComputationGraph g) {
            g.fit(TestNets.iterator(data), epochs);
        } else {
            ((MultiLayerNetwork) m).fit(TestNets.iterator(data), epochs);
        }
    }

    private static INDArray stateOf(Model m) {
        return m instanceof ComputationGraph g ? g.getUpdater().getStateViewArray()
                : ((MultiLayerNetwork) m).getUpdater().getStateViewArray();
    }

    /** Trains one copy with the listener at 100 % and one without, and compares parameters and optimizer state. */
    static void assertSameAsWithoutListener(Supplier<? extends Model> net) {
        Model plain = net.get();
        Model spectrum = net.get();
        spectrum.addListeners(SpectrumListener.builder().optTopPercent(100).optReselectEveryIterations(2).build());
        List<DataSet> data = TestNets.batches(4, 5);
        fit(plain, data, 2);
        fit(spectrum, data, 2);
        Map<String, INDArray> expected = plain.paramTable();
        for (Map.Entry<String, INDArray> e : spectrum.paramTable().entrySet()) {
            assertEquals(expected.get(e.getKey()), e.getValue(), "parameter " + e.getKey());
        }
        assertEquals(plain.params(), spectrum.params(), "flattened parameters");
        assertEquals(stateOf(plain), stateOf(spectrum), "optimizer state");
    }

    @Nested
    @DisplayName("top 100 % is bit-identical to training without the listener")
    class EveryModule {
        @Test
        @DisplayName("on a MultiLayerNetwork with batch norm, dropout, L2 and weight decay (BN mean and var included)")
        void multiLayerNetwork() {
            assertSameAsWithoutListener(() -> TestNets.mln(Options.all()));
        }

        @Test
        @DisplayName("on a residual ComputationGraph with batch norm, dropout, L2 and weight decay")
        void computationGraph() {
            assertSameAsWithoutListener(() -> TestNets.graph(Options.all()));
        }
    }

    @Nested
    @DisplayName("a batch-norm layer")
    class NormLayers {
        private Map<String, INDArray> trainGraph(NetworkFreeze.NormLayers rule, String... trained) {
            ComputationGraph g = TestNets.graph(Options.plain());
            NetworkFreeze.of(Dl4jNetwork.of(g), true, rule).apply(Set.of(trained));
            Map<String, INDArray> before = TestNets.snapshot(g.paramTable());
            fit(g, TestNets.batches(3, 2), 1);
            Map<String, INDArray> after = g.paramTable();
            Map<String, INDArray> moved = new TreeMap<>();
            before.forEach((k, v) -> {
                if (!v.equals(after.get(k))) {
                    moved.put(k, after.get(k));
                }
            });
            return moved;
        }

        @Test
        @DisplayName("trains, statistics included, when the dense layer feeding it trains (default)")
        void trainsWithItsInputLayer() {
            Map<String, INDArray> moved = trainGraph(NetworkFreeze.NormLayers.WITH_INPUT_LAYER, "d0", "out");
            assertEquals(Set.of("bn0_beta", "bn0_gamma", "bn0_mean", "bn0_log10stdev", "d0_W", "d0_b", "out_W",
                    "out_b"), moved.keySet());
        }

        @Test
        @DisplayName("stays frozen, statistics included, when the dense layer feeding it is frozen (default)")
        void frozenWithItsInputLayer() {
            Map<String, INDArray> moved = trainGraph(NetworkFreeze.NormLayers.WITH_INPUT_LAYER, "d1", "out");
            assertEquals(Set.of("d1_W", "d1_b", "out_W", "out_b"), moved.keySet());
        }

        @Test
        @DisplayName("always trains with NormLayers.ALWAYS_TRAIN, never with FROZEN")
        void overridable() {
            assertEquals(Set.of("bn0_beta", "bn0_gamma", "bn0_mean", "bn0_log10stdev", "d1_W", "d1_b", "out_W",
                    "out_b"), trainGraph(NetworkFreeze.NormLayers.ALWAYS_TRAIN, "d1", "out").keySet());
            Map<String, INDArray> frozen = trainGraph(NetworkFreeze.NormLayers.FROZEN, "d0", "out");
            assertEquals(Set.of("d0_W", "d0_b", "out_W", "out_b"), frozen.keySet());
        }
    }
}
