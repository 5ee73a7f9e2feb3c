package ai.spectrum.training.freeze;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.selection.SelectionContext;
import ai.spectrum.selection.SelectionStrategy;
import ai.spectrum.training.SpectrumListener;
import ai.spectrum.training.TestNets;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReselectionTests {

    /** Prefers d0 and d2 for the first four iterations, then d1 and d2. */
    private static final class Phased implements SelectionStrategy {
        @Override
        public String name() {
            return "phased";
        }

        @Override
        public Choice choose(SelectionContext context) {
            Map<String, Double> s = new LinkedHashMap<>();
            boolean early = context.iteration() < 4;
            for (NetworkWeights.Entry e : context.weights().entries()) {
                String n = e.info().name();
                s.put(n, n.equals("d2") ? 2.0 : n.equals(early ? "d0" : "d1") ? 1.0 : 0.0);
            }
            return new Choice(s, Set.of());
        }
    }

    /** Captures per-parameter updater state just before the Spectrum listener runs. */
    private static final class StateProbe extends BaseTrainingListener {
        final int at;
        Map<String, INDArray[]> state;

        StateProbe(int at) {
            this.at = at;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            if (iteration == at) {
                state = UpdaterStates.snapshot(((ComputationGraph) model).getUpdater());
            }
        }
    }

    @Test
    @DisplayName("a re-selection unfreezes and freezes layers and keeps the optimizer state of the others")
    void reselectionKeepsStateOfStayingParameters() {
        ComputationGraph g = TestNets.graph(TestNets.Options.all());
        SpectrumListener spectrum = SpectrumListener.builder().optTopPercent(67).optStrategy(new Phased())
                .optReselectEveryIterations(4).build();
        StateProbe probe = new StateProbe(3);
        g.addListeners(probe, spectrum);
        g.fit(TestNets.iterator(TestNets.batches(3, 1)));
        assertInstanceOf(BatchNormalization.class, g.getLayer("bn0"), "bn0 trains with d0, which feeds it");
        assertInstanceOf(SelectiveFreezeLayerImpl.class, g.getLayer("d1"));
        g.fit(TestNets.iterator(TestNets.batches(1, 1)));

        assertEquals(2, spectrum.history().size());
        assertEquals(Set.of("d0", "d2"), spectrum.history().get(0).selected());
        assertEquals(Set.of("d1", "d2"), spectrum.history().get(1).selected());
        assertEquals(4, spectrum.history().get(1).iteration());
        assertInstanceOf(FrozenLayer.class, g.getLayer("d0"), "d0 now closed under ancestors: structural");
        assertInstanceOf(FrozenLayer.class, g.getLayer("bn0"), "bn0 trained with d0, now frozen with it");
        assertFalse(g.getLayer("d1") instanceof SelectiveFreezeLayerImpl, "d1 unfrozen");

        BaseMultiLayerUpdater<?> u = g.getUpdater();
        Map<String, INDArray[]> after = UpdaterStates.snapshot(u);
        for (String p : new String[]{"d2/W", "d2/b"}) {
            assertEquals(2, after.get(p).length, "Adam has two state components");
            for (int k = 0; k < 2; k++) {
                assertEquals(probe.state.get(p)[k], after.get(p)[k], p + " state component " + k + " not kept");
                assertNotEquals(0.0, after.get(p)[k].norm2Number().doubleValue(), "state should be warm");
            }
        }
        for (String p : new String[]{"d1/W", "d1/b"}) {
            assertEquals(0.0, after.get(p)[0].norm2Number().doubleValue(), p + " should start from fresh state");
            assertEquals(0.0, after.get(p)[1].norm2Number().doubleValue(), p + " should start from fresh state");
        }
        assertFalse(after.containsKey("d0/W"), "a frozen parameter holds no optimizer state");
        long trainable = g.getLayer("d1").numParams() + g.getLayer("d2").numParams();
        assertEquals(2 * trainable, u.getStateViewArray().length());

        Map<String, INDArray> atSwitch = TestNets.snapshot(g.paramTable());
        g.fit(TestNets.iterator(TestNets.batches(3, 2)));
        Map<String, INDArray> later = g.paramTable();
        assertEquals(atSwitch.get("d0_W"), later.get("d0_W"), "newly frozen d0 must not move");
        assertEquals(atSwitch.get("bn0_mean"), later.get("bn0_mean"), "batch-norm statistics must not move");
        assertNotEquals(atSwitch.get("d1_W"), later.get("d1_W"), "unfrozen d1 must train");
        assertArrayEquals(new long[]{16, 16}, later.get("d1_W").shape());
        assertTrue(spectrum.selectionNanos() > 0);
    }
}
