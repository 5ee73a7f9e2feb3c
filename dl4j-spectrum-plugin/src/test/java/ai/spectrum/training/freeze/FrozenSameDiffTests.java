package ai.spectrum.training.freeze;

import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.training.TestNets;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrozenSameDiffTests {
    /** Trained modules: the dense layer at the bottom, one projection of {@code t}, the output layer. */
    private static final Set<String> TRAINED = Set.of("d0", "t/A", "out");
    private static final int STEPS = 4;

    @AfterEach
    void restoreSwitch() {
        SameDiffEpsilonPath.enabled = true;
    }

    /**
     * in → d0 (dense) → a (SameDiff affine+tanh) → h (SameDiff affine through reshapes, halved gradient) → n (SameDiff
     * layer norm) → t (two projections) → out.
     */
    private static ComputationGraphConfiguration configuration(boolean frozenByHand) {
        org.deeplearning4j.nn.conf.layers.Layer a = new SameDiffFixtures.Affine(8, 8);
        org.deeplearning4j.nn.conf.layers.Layer h = new SameDiffFixtures.ShapedAffine(8, 8);
        org.deeplearning4j.nn.conf.layers.Layer n = new SameDiffFixtures.Norm(8);
        if (frozenByHand) {
            a = new FrozenLayerWithBackprop(a);
            h = new FrozenLayerWithBackprop(h);
            n = new FrozenLayerWithBackprop(n);
        }
        return new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-2)).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in")
                .addLayer("d0", new DenseLayer.Builder().nIn(8).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("a", a, "d0")
                .addLayer("h", h, "a")
                .addLayer("n", n, "h")
                .addLayer("t", new SameDiffFixtures.TwoProjections(8, 8), "n")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "t")
                .setOutputs("out").setInputTypes(InputType.feedForward(8)).build();
    }

    private static final INDArray INITIAL = initialParams();

    private static INDArray initialParams() {
        ComputationGraph g = new ComputationGraph(configuration(false));
        g.init();
        return g.params().dup();
    }

    private static ComputationGraph network(boolean frozenByHand) {
        ComputationGraph g = new ComputationGraph(configuration(frozenByHand));
        g.init(INITIAL.dup(), true);
        return g;
    }

    /** A network with Spectrum's freeze of {@link #TRAINED} applied. */
    private static ComputationGraph spectrumFrozen() {
        ComputationGraph g = network(false);
        NetworkSlots adapter = NetworkSlots.of(Dl4jNetwork.of(g));
        FreezePlan plan = FreezePlan.forModules(adapter, adapter.network().weights(), TRAINED);
        assertEquals(Set.of(), plan.structural(), "the dense layer below keeps every SameDiff layer on the backprop path");
        assertEquals(Set.of("a", "h", "n", "t"), plan.selective());
        Freezer.apply(adapter, plan);
        return g;
    }

    private static SelectiveFreezeLayerImpl wrapper(ComputationGraph g, String name) {
        return (SelectiveFreezeLayerImpl) g.getLayer(name);
    }

    /** Records the outputs of every op the layers' gradient graphs execute (not the forward passes). */
    private static final class OpLog extends BaseListener {
        final List<String> outputs = new ArrayList<>();
        final List<long[]> shapes = new ArrayList<>();

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                                INDArray[] arrays) {
            if (at.operation() != Operation.TRAINING) {
                return; // a forward pass (the frozen copy's, run by activate), not backprop
            }
            outputs.addAll(op.getOutputsOfOp());
            for (INDArray o : arrays) {
                shapes.add(o == null ? null : o.shape());
            }
        }

        /** The executed gradients of these parameters (SameDiff names a variable's gradient {@code name-grad}). */
        List<String> gradientsOf(String... params) {
            List<String> out = new ArrayList<>();
            for (String p : params) {
                if (outputs.contains(p + "-grad")) {
                    out.add(p + "-grad");
                }
            }
            return out;
        }
    }

    private static OpLog logBackprop(SameDiff outer) {
        OpLog log = new OpLog();
        outer.setListeners(log);
        return log;
    }

    /** DL4J's own SameDiff instance of a runtime SameDiff layer. */
    private static SameDiff dl4jGraph(Layer layer) {
        return (SameDiff) new DeclaredField(org.deeplearning4j.nn.layers.samediff.SameDiffLayer.class, "sameDiff")
                .get(layer);
    }

    @Nested
    @DisplayName("a fully frozen SameDiff layer")
    class FullyFrozen {

        @Test
        @DisplayName("runs no weight-gradient op and has no gradient memory")
        void noWeightGradient() {
            ComputationGraph g = spectrumFrozen();
            SelectiveFreezeLayerImpl a = wrapper(g, "a");
            SelectiveFreezeLayerImpl n = wrapper(g, "n");
            assertTrue(a.skipsWeightGradient());
            assertTrue(n.skipsWeightGradient());
            g.fit(TestNets.batches(1, 1).get(0)); // builds the gradient graphs
            OpLog aLog = logBackprop(a.sameDiffPath().forwardGraph());
            OpLog nLog = logBackprop(n.sameDiffPath().forwardGraph());
            SelectiveFreezeLayerImpl h = wrapper(g, "h");
            OpLog hLog = logBackprop(h.sameDiffPath().forwardGraph());
            g.fit(TestNets.batches(1, 2).get(0));
            // h's epsilon is (½·eps + ½·eps)·Wᵀ: nothing of its forward pass is needed, and none of it runs again
            assertTrue(hLog.outputs.contains("input-grad"), "the epsilon is computed: " + hLog.outputs);
            assertEquals(List.of(), hLog.gradientsOf("W", "b"));
            Set<String> hForward = new HashSet<>(h.sameDiffPath().forwardGraph().getVariables().keySet());
            hForward.retainAll(hLog.outputs);
            assertEquals(Set.of(), hForward, "forward values recomputed in h's backprop: " + hLog.outputs);
            assertEquals(Set.of(), h.sameDiffPath().fedValues(), "h's backprop needs no forward value");
            // a's (tanh) and n's (layer norm) backprop read the product, tanh and statistics the forward pass kept:
            // only cheap elementwise forward ops run again
            for (SelectiveFreezeLayerImpl layer : List.of(a, n)) {
                OpLog log = layer == a ? aLog : nLog;
                SameDiff forward = layer.sameDiffPath().forwardGraph();
                for (SameDiffOp op : forward.getOps().values()) {
                    boolean again = op.getOutputsOfOp().stream().anyMatch(log.outputs::contains);
                    assertFalse(again && !SameDiffEpsilonPath.recomputedInBackprop(op),
                            op.getOp().opName() + " of the forward pass runs again in backprop: " + log.outputs);
                }
            }
            assertEquals(Set.of("matmul"), a.sameDiffPath().fedValues(), "a keeps its product, recomputes the bias add");
            assertTrue(aLog.outputs.contains("input-grad"), "the epsilon is computed: " + aLog.outputs);
            assertEquals(List.of(), aLog.gradientsOf("W", "b"));
            assertEquals(List.of(), nLog.gradientsOf("gamma", "beta"));
            // a's weight is 8×8 like its output; no op may produce a [1, 8] bias-shaped array
            for (long[] s : aLog.shapes) {
                assertFalse(s != null && s.length == 2 && s[0] == 1, "bias-shaped output executed: " + aLog.outputs);
            }
            assertNull(a.getInsideLayer().getGradientsViewArray(), "no gradient view for a frozen layer");
            // compact gradient: d0, t (A, B and b: t has one segment) and out; nothing for a and n
            long expected = g.getLayer("d0").numParams() + g.getLayer("t").numParams() + g.getLayer("out").numParams();
            assertEquals(expected, g.getFlattenedGradients().length());
        }

        @Test
        @DisplayName("runs DL4J's full backprop ops on the old path (the op count above can fail)")
        void oldPathRunsWeightGradients() {
            SameDiffEpsilonPath.enabled = false;
            ComputationGraph g = spectrumFrozen();
            assertNull(wrapper(g, "a").sameDiffPath());
            assertFalse(wrapper(g, "a").skipsWeightGradient());
            g.fit(TestNets.batches(1, 1).get(0));
            OpLog log = logBackprop(dl4jGraph(wrapper(g, "a").getInsideLayer()));
            g.fit(TestNets.batches(1, 2).get(0));
            assertEquals(List.of("W-grad", "b-grad"), log.gradientsOf("W", "b"));
        }
    }

    @Nested
    @DisplayName("training with frozen SameDiff layers")
    class Training {

        private Map<String, INDArray> train(ComputationGraph g, Map<String, List<INDArray>> gradients) {
            g.setListeners(new BaseTrainingListener() {
                @Override
                public void onGradientCalculation(Model model) {
                    for (String k : List.of("t_A", "t_b", "d0_W")) {
                        INDArray gr = model.gradient().getGradientFor(k);
                        gradients.computeIfAbsent(k, x -> new ArrayList<>()).add(gr.dup());
                    }
                }
            });
            for (int i = 0; i < STEPS; i++) {
                g.fit(TestNets.batches(1, 10 + i).get(0));
            }
            return TestNets.snapshot(g.paramTable());
        }

        @Test
        @DisplayName("gives the partly frozen layer exactly its trained gradients, and bit-identical parameters to DL4J's full backprop")
        void sameAsOldPath() {
            Map<String, List<INDArray>> newGrads = new HashMap<>();
            Map<String, INDArray> fast = train(spectrumFrozen(), newGrads);
            SameDiffEpsilonPath.enabled = false;
            Map<String, List<INDArray>> oldGrads = new HashMap<>();
            Map<String, INDArray> slow = train(spectrumFrozen(), oldGrads);
            assertEquals(slow.keySet(), fast.keySet());
            for (String k : slow.keySet()) {
                assertEquals(slow.get(k), fast.get(k), k);
            }
            for (String k : oldGrads.keySet()) {
                for (int i = 0; i < STEPS; i++) {
                    assertEquals(oldGrads.get(k).get(i), newGrads.get(k).get(i), k + " at step " + i);
                }
            }
            assertNotEquals(initialOf("d0_W"), fast.get("d0_W"), "the layer below the frozen ones trains");
            assertEquals(initialOf("t_B"), fast.get("t_B"));
            assertEquals(initialOf("a_W"), fast.get("a_W"));
            assertEquals(initialOf("n_gamma"), fast.get("n_gamma"));
        }

        @Test
        @DisplayName("gives the same trained parameters as freezing the fully frozen layers by hand")
        void sameAsByHand() {
            // by hand: a and n in DL4J's FrozenLayerWithBackprop, everything else trained, DL4J's own updater
            Map<String, INDArray> byHand = train(network(true), new HashMap<>());
            ComputationGraph g = network(false);
            NetworkSlots adapter = NetworkSlots.of(Dl4jNetwork.of(g));
            Freezer.apply(adapter, FreezePlan.forModules(adapter, adapter.network().weights(), Set.of("d0", "t/A", "t/B",
                    "out")));
            assertNotNull(wrapper(g, "a").sameDiffPath());
            Map<String, INDArray> spectrum = train(g, new HashMap<>());
            for (String k : List.of("d0_W", "d0_b", "t_A", "t_B", "t_b", "out_W", "out_b", "a_W", "n_gamma")) {
                assertEquals(byHand.get(k), spectrum.get(k), k);
            }
        }
    }

    private static INDArray initialOf(String key) {
        return network(false).paramTable().get(key);
    }

    @Test
    @DisplayName("backprop after a forward pass that kept nothing computes the kept values again: the same epsilon")
    void backpropWithoutKeptValues() {
        ComputationGraph g = spectrumFrozen();
        g.fit(TestNets.batches(1, 3).get(0)); // builds the paths
        for (String name : List.of("a", "n")) {
            SelectiveFreezeLayerImpl layer = wrapper(g, name);
            assertFalse(layer.sameDiffPath().fedValues().isEmpty(), name + " keeps forward values");
            LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
            INDArray x = Nd4j.rand(DataType.FLOAT, 5, 8).subi(0.5);
            INDArray eps = Nd4j.rand(DataType.FLOAT, 5, 8).subi(0.5);
            INDArray out = layer.activate(x, true, mgr).dup(); // keeps the values
            INDArray kept = layer.backpropGradient(eps, mgr).getSecond().dup();
            assertEquals(out, layer.activate(x.dup(), false, mgr), name + ": same output in inference");
            INDArray again = layer.backpropGradient(eps, mgr).getSecond(); // nothing kept for this input
            assertEquals(kept, again, name);
            assertNotEquals(0.0, kept.norm2Number().doubleValue(), name + ": a real epsilon");
        }
    }

    @Test
    @DisplayName("SameDiff layers below the lowest trained module are frozen structurally: no backprop through them")
    void structuralBelowLowestTrained() {
        ComputationGraph g = network(false);
        NetworkSlots adapter = NetworkSlots.of(Dl4jNetwork.of(g));
        FreezePlan plan = FreezePlan.forModules(adapter, adapter.network().weights(), Set.of("t/A", "out"));
        assertEquals(Set.of("d0", "a", "h", "n"), plan.structural());
        Freezer.apply(adapter, plan);
        assertTrue(g.getLayer("a") instanceof org.deeplearning4j.nn.layers.FrozenLayer);
        g.fit(TestNets.batches(1, 3).get(0));
        g.fit(TestNets.batches(1, 4).get(0));
        for (String k : List.of("d0_W", "a_W", "a_b", "n_gamma", "t_B")) {
            assertEquals(initialOf(k), g.getParam(k), k);
        }
        assertNotEquals(initialOf("t_A"), g.getParam("t_A"));
        long expected = g.getLayer("t").numParams() + g.getLayer("out").numParams();
        assertEquals(expected, g.getFlattenedGradients().length());
    }

    @Test
    @DisplayName("a frozen SameDiff output layer gives the layer below the same gradients without its own")
    void frozenOutputLayer() {
        SameDiffEpsilonPath.enabled = true;
        Map<String, INDArray> fast = trainWithFrozenOutput();
        SameDiffEpsilonPath.enabled = false;
        Map<String, INDArray> slow = trainWithFrozenOutput();
        for (String k : slow.keySet()) {
            assertEquals(slow.get(k), fast.get(k), k);
        }
    }

    private static Map<String, INDArray> trainWithFrozenOutput() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3)
                .updater(new Adam(1e-2)).dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("d0", new DenseLayer.Builder().nIn(8).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("out", new SameDiffFixtures.SoftmaxOutput(8, 3), "d0")
                .setOutputs("out").setInputTypes(InputType.feedForward(8)).build());
        g.init();
        INDArray w0 = g.getParam("out_W").dup();
        NetworkSlots adapter = NetworkSlots.of(Dl4jNetwork.of(g));
        Freezer.apply(adapter, FreezePlan.forModules(adapter, adapter.network().weights(), Set.of("d0")));
        SelectiveFreezeLayerImpl out = wrapper(g, "out");
        assertEquals(SameDiffEpsilonPath.enabled, out.skipsWeightGradient());
        OpLog log = null;
        for (int i = 0; i < STEPS; i++) {
            g.fit(TestNets.batches(1, 20 + i).get(0));
            if (i == 0 && out.sameDiffPath() != null) {
                log = logBackprop(out.sameDiffPath().forwardGraph());
            }
        }
        if (log != null) {
            assertTrue(log.outputs.contains("input-grad"), log.outputs.toString());
            assertEquals(List.of(), log.gradientsOf("W", "b"));
        }
        assertEquals(w0, g.getParam("out_W"));
        return TestNets.snapshot(g.paramTable());
    }

    @Test
    @DisplayName("a layer frozen again by a later re-selection reuses its differentiated graph")
    void reusedAfterReselection() {
        ComputationGraph g = spectrumFrozen();
        g.fit(TestNets.batches(1, 5).get(0));
        SameDiffEpsilonPath first = wrapper(g, "a").sameDiffPath();
        assertNotNull(first.forwardGraph());
        NetworkSlots adapter = NetworkSlots.of(Dl4jNetwork.of(g));
        Freezer.apply(adapter, FreezePlan.forModules(adapter, adapter.network().weights(), Set.of("d0", "a", "t/A", "out")));
        assertFalse(g.getLayer("a") instanceof SelectiveFreezeLayerImpl);
        g.fit(TestNets.batches(1, 6).get(0));
        Freezer.apply(adapter, FreezePlan.forModules(adapter, adapter.network().weights(), TRAINED));
        assertTrue(wrapper(g, "a").sameDiffPath() == first, "the same built path");
        INDArray w = g.getParam("a_W").dup();
        g.fit(TestNets.batches(1, 7).get(0));
        assertEquals(w, g.getParam("a_W"), "frozen again, with the parameters it trained to in between");
    }

    @Test
    @DisplayName("only plain DL4J SameDiff layers get the epsilon path")
    void onlySameDiffLayers() {
        ComputationGraph g = network(false);
        Layer d0 = g.getLayer("d0");
        assertNull(SameDiffEpsilonPath.forLayer(d0, Set.of("W", "b")));
        assertNull(SameDiffEpsilonPath.forLayer(g.getLayer("a"), Set.of()));
        assertNotNull(SameDiffEpsilonPath.forLayer(g.getLayer("a"), Set.of("W", "b")));
    }
}
