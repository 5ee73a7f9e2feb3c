package ai.spectrum.training.freeze;

import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.training.TestNets;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.FrozenVertex;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Non-layer vertices (residual adds, the BERT port's embedding sum) on frozen layers only are DL4J {@code FrozenVertex}es,
 * so nothing is back-propagated below the lowest trained module.
 */
class FrozenVertexTests {
    private static final int IN = 8; // TestNets.batches' features
    private static final int H = 8;

    /** in → d0 → d1, add(d0, d1) → d2 → out: a residual block. */
    private static ComputationGraph residual() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(1e-2))
                .graphBuilder().addInputs("in")
                .addLayer("d0", dense(IN), "in")
                .addLayer("d1", dense(H), "d0")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "d0", "d1")
                .addLayer("d2", dense(H), "add")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(H).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "d2")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    private static DenseLayer dense(long nIn) {
        return new DenseLayer.Builder().nIn(nIn).nOut(H).activation(Activation.TANH).build();
    }

    /**
     * The BERT port's shape: word, token-type and position embeddings → {@code embeddings.sum} → SameDiff layer norm →
     * two SameDiff encoder layers → output.
     */
    private static ComputationGraph bertLike() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-2))
                .graphBuilder().addInputs("ids", "types", "positions")
                .addLayer("word", new EmbeddingLayer.Builder().nIn(20).nOut(H).build(), "ids")
                .addLayer("type", new EmbeddingLayer.Builder().nIn(2).nOut(H).build(), "types")
                .addLayer("position", new EmbeddingLayer.Builder().nIn(6).nOut(H).build(), "positions")
                .addVertex("embeddings.sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "word", "type", "position")
                .addLayer("embeddings.norm", new SameDiffFixtures.Norm(H), "embeddings.sum")
                .addLayer("enc0", new SameDiffFixtures.Affine(H, H), "embeddings.norm")
                .addLayer("enc1", new SameDiffFixtures.Affine(H, H), "enc0")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(H).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "enc1")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    private static List<MultiDataSet> residualData(int n, long seed) {
        List<MultiDataSet> out = new ArrayList<>();
        TestNets.batches(n, seed).forEach(d -> out.add(d.toMultiDataSet()));
        return out;
    }

    private static List<MultiDataSet> bertData(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<MultiDataSet> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            INDArray ids = indices(20);
            INDArray types = indices(2);
            INDArray positions = indices(6);
            INDArray y = Nd4j.zeros(16, 3);
            for (int r = 0; r < 16; r++) {
                y.putScalar(r, (r + i) % 3, 1.0);
            }
            out.add(new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{ids, types, positions}, new INDArray[]{y}));
        }
        return out;
    }

    /** 16 random indices below {@code n}, as a {@code [16, 1]} float column. */
    private static INDArray indices(int n) {
        return Nd4j.rand(16, 1).muli(n).castTo(DataType.INT).castTo(DataType.FLOAT);
    }

    private static Map<String, INDArray> train(ComputationGraph g, List<MultiDataSet> data) {
        data.forEach(g::fit);
        return new TreeMap<>(TestNets.snapshot(g.paramTable()));
    }

    private static NetworkFreeze.Applied freeze(ComputationGraph g, Set<String> trained) {
        return NetworkFreeze.of(Dl4jNetwork.of(g), true).apply(trained);
    }

    /** Applies the plan for {@code trained} with every frozen layer a SelectiveFreezeLayer (nothing structural). */
    private static void freezeSelectivelyOnly(ComputationGraph g, Set<String> trained) {
        NetworkSlots slots = NetworkSlots.of(Dl4jNetwork.of(g));
        FreezePlan plan = FreezePlan.forModules(slots, slots.network().weights(), trained);
        Freezer.apply(slots, new FreezePlan(plan.frozenParams(), Set.of()));
    }

    /** The vertex's runtime object in DL4J's vertex array (what backprop walks), its map entry and configuration. */
    private static void assertFrozenVertex(ComputationGraph g, String name, boolean frozen) {
        GraphVertex inArray = null;
        for (GraphVertex v : g.getVertices()) {
            if (v.getVertexName().equals(name)) {
                inArray = v;
            }
        }
        assertEquals(frozen, inArray instanceof FrozenVertex, name + " in the vertex array: " + inArray);
        assertSame(inArray, g.getVertex(name), name + ": the name → vertex map must hold the same object");
        assertEquals(frozen, g.getConfiguration().getVertices().get(name)
                instanceof org.deeplearning4j.nn.conf.graph.FrozenVertex, name + " in the configuration");
    }

    /** Which vertices DL4J's backprop skips (FrozenLayer or FrozenVertex), read from the vertex array. */
    private static Set<String> skipped(ComputationGraph g) {
        Set<String> out = new TreeSet<>();
        for (GraphVertex v : g.getVertices()) {
            if (v instanceof FrozenVertex || v.hasLayer() && v.getLayer() instanceof FrozenLayer) {
                out.add(v.getVertexName());
            }
        }
        return out;
    }

    private static void assertUnchanged(Map<String, INDArray> before, Map<String, INDArray> after, Set<String> moved) {
        for (String k : before.keySet()) {
            String layer = k.substring(0, k.lastIndexOf('_'));
            if (moved.contains(layer)) {
                assertNotEquals(before.get(k), after.get(k), k + " should train");
            } else {
                assertEquals(before.get(k), after.get(k), k + " should be frozen");
            }
        }
    }

    @Nested
    @DisplayName("structure")
    class Structure {

        @Test
        @DisplayName("with only the top trained, every layer and vertex below a residual add leaves the backprop path")
        void residualBelowTopIsStructural() {
            ComputationGraph g = residual();
            NetworkFreeze.Applied applied = freeze(g, Set.of("out"));
            assertEquals(List.of("d0", "d1", "d2"), applied.structuralLayers());
            assertEquals(0, applied.partlyFrozenLayers(), "no layer is kept on the backprop path");
            assertEquals(Set.of("add", "d0", "d1", "d2"), skipped(g));
            assertFrozenVertex(g, "add", true);
            Map<String, INDArray> before = TestNets.snapshot(g.paramTable());
            Map<String, INDArray> after = train(g, residualData(3, 1));
            assertUnchanged(before, after, Set.of("out"));
        }

        @Test
        @DisplayName("the BERT shape: embeddings, their sum and every SameDiff layer below the trained one are structural")
        void bertShapeBelowLowestTrainedIsStructural() {
            ComputationGraph g = bertLike();
            NetworkFreeze.Applied applied = freeze(g, Set.of("enc1", "out"));
            assertEquals(Set.of("word", "type", "position", "embeddings.norm", "enc0"),
                    Set.copyOf(applied.structuralLayers()));
            assertEquals(0, applied.partlyFrozenLayers());
            assertEquals(Set.of("word", "type", "position", "embeddings.sum", "embeddings.norm", "enc0"), skipped(g));
            assertFrozenVertex(g, "embeddings.sum", true);
            Map<String, INDArray> before = TestNets.snapshot(g.paramTable());
            Map<String, INDArray> after = train(g, bertData(3, 4));
            assertUnchanged(before, after, Set.of("enc1", "out"));
        }
    }

    @Nested
    @DisplayName("arithmetic")
    class Arithmetic {

        /**
         * Trains three copies: Spectrum's freeze, DL4J's {@code setFeatureExtractor(belowTrained)} and a freeze without
         * structural layers (everything frozen on the backprop path); all parameters must agree bit for bit, and
         * Spectrum's graph skips exactly what DL4J's does.
         */
        private void compare(ComputationGraph original, Set<String> trained, String belowTrained,
                             List<MultiDataSet> data) {
            ComputationGraph spectrum = original.clone();
            freeze(spectrum, trained);
            ComputationGraph dl4j = new TransferLearning.GraphBuilder(original.clone())
                    .setFeatureExtractor(belowTrained).build();
            ComputationGraph selective = original.clone();
            freezeSelectivelyOnly(selective, trained);
            assertEquals(skipped(dl4j), skipped(spectrum), "Spectrum must skip what DL4J's feature extractor skips");

            Map<String, INDArray> byDl4j = train(dl4j, data);
            Map<String, INDArray> bySpectrum = train(spectrum, data);
            Map<String, INDArray> bySelective = train(selective, data);
            assertEquals(byDl4j.keySet(), bySpectrum.keySet());
            for (String k : byDl4j.keySet()) {
                assertEquals(byDl4j.get(k), bySpectrum.get(k), k + ": Spectrum vs setFeatureExtractor");
                assertEquals(bySelective.get(k), bySpectrum.get(k), k + ": Spectrum vs frozen on the backprop path");
            }
            assertNotEquals(original.getParam("out_W"), spectrum.getParam("out_W"), "out must train");
        }

        @Test
        @DisplayName("a residual graph trains bit-identically to DL4J's feature extractor and to backprop-path freezing")
        void residualMatchesFeatureExtractor() {
            compare(residual(), Set.of("out"), "d2", residualData(4, 2));
        }

        @Test
        @DisplayName("the BERT shape trains bit-identically to DL4J's feature extractor and to backprop-path freezing")
        void bertShapeMatchesFeatureExtractor() {
            compare(bertLike(), Set.of("enc1", "out"), "enc0", bertData(4, 6));
        }
    }

    @Nested
    @DisplayName("lifecycle")
    class Lifecycle {

        @Test
        @DisplayName("a re-selection training a layer below the vertex unwraps it; training continues bit-identically")
        void reselectionBelowUnwraps() {
            ComputationGraph g = residual();
            ComputationGraph reference = g.clone();
            List<MultiDataSet> first = residualData(2, 3);
            List<MultiDataSet> second = residualData(3, 4);

            NetworkFreeze freeze = NetworkFreeze.of(Dl4jNetwork.of(g), true);
            freeze.apply(Set.of("out"));
            assertFrozenVertex(g, "add", true);
            train(g, first);
            Map<String, INDArray> atSwitch = TestNets.snapshot(g.paramTable());
            NetworkFreeze.Applied applied = freeze.apply(Set.of("d1", "out"));
            assertFrozenVertex(g, "add", false);
            assertEquals(List.of("d0"), applied.structuralLayers());
            assertInstanceOf(SelectiveFreezeLayerImpl.class, g.getLayer("d2"), "d2 passes epsilon down to d1");
            Map<String, INDArray> after = train(g, second);
            assertUnchanged(atSwitch, after, Set.of("d1", "out"));

            // the same selections, the first one frozen on the backprop path only: same parameters, bit for bit
            freezeSelectivelyOnly(reference, Set.of("out"));
            assertFrozenVertex(reference, "add", false);
            train(reference, first);
            NetworkFreeze.of(Dl4jNetwork.of(reference), true).apply(Set.of("d1", "out"));
            assertEquals(train(reference, second), after);

            freeze.apply(Set.of("out"));
            assertFrozenVertex(g, "add", true);
            assertEquals(Set.of("add", "d0", "d1", "d2"), skipped(g));
        }

        @Test
        @DisplayName("save, restore and resume keep the frozen vertices and train bit-identically to the original")
        void saveRestoreResume(@TempDir Path dir) throws IOException {
            ComputationGraph g = residual();
            NetworkFreeze.of(Dl4jNetwork.of(g), true).apply(Set.of("out"));
            train(g, residualData(2, 5));
            File file = dir.resolve("m.zip").toFile();
            ModelSerializer.writeModel(g, file, true);
            ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
            assertFrozenVertex(restored, "add", true);
            assertEquals(skipped(g), skipped(restored));
            assertFrozenVertex(g.clone(), "add", true);

            NetworkFreeze resumed = NetworkFreeze.of(Dl4jNetwork.of(restored), true);
            assertEquals(Set.of("out"), resumed.selection().orElseThrow());
            assertTrue(resumed.resume(Set.of("out")), "the restored network has DL4J's full-size gradient");
            assertFrozenVertex(restored, "add", true);
            List<MultiDataSet> more = residualData(3, 6);
            Map<String, INDArray> before = TestNets.snapshot(g.paramTable());
            Map<String, INDArray> original = train(g, more);
            assertUnchanged(before, original, Set.of("out"));
            assertEquals(original, train(restored, more));
            assertEquals(g.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        }
    }
}
