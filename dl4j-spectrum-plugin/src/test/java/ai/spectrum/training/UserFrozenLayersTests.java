package ai.spectrum.training;

import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.training.TestNets.Options;
import ai.spectrum.training.freeze.NetworkFreeze;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Layers the user froze before training (DL4J {@code FrozenLayer}, {@code FrozenLayerWithBackprop},
 * {@code TransferLearning.setFeatureExtractor}) stay as configured by default, so top 100 % is still bit-identical to
 * training without the listener; {@code optTrainUserFrozen(true)} lets Spectrum train them.
 */
class UserFrozenLayersTests {

    /**
     * layer0 FrozenLayer(dense) → layer1 batch norm → layer2 dense (dropout) → layer3
     * FrozenLayerWithBackprop(dense) → layer4 softmax output; L2 and weight decay, under which DL4J's FrozenLayerWithBackprop still moves.
     */
    static MultiLayerNetwork frozenMln() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7)
                .updater(new Adam(1e-2)).l2(1e-2).weightDecay(1e-3).list()
                .layer(new FrozenLayer(new DenseLayer.Builder().nIn(TestNets.IN).nOut(TestNets.HIDDEN)
                        .activation(Activation.RELU).build()))
                .layer(new BatchNormalization.Builder().nOut(TestNets.HIDDEN).build())
                .layer(new DenseLayer.Builder().nIn(TestNets.HIDDEN).nOut(TestNets.HIDDEN).activation(Activation.TANH)
                        .dropOut(0.8).build())
                .layer(new FrozenLayerWithBackprop(new DenseLayer.Builder().nIn(TestNets.HIDDEN).nOut(TestNets.HIDDEN)
                        .activation(Activation.RELU).build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(TestNets.HIDDEN)
                        .nOut(TestNets.CLASSES).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    /** The residual test graph with {@code d0} frozen by {@code TransferLearning.setFeatureExtractor}. */
    static ComputationGraph featureExtractorGraph() {
        return new TransferLearning.GraphBuilder(TestNets.graph(Options.all())).setFeatureExtractor("d0").build();
    }

    @Nested
    @DisplayName("top 100 % is bit-identical to training without the listener")
    class EveryModule {
        @Test
        @DisplayName("on a MultiLayerNetwork with a FrozenLayer and a FrozenLayerWithBackprop (L2, weight decay)")
        void multiLayerNetwork() {
            TrainEverythingTests.assertSameAsWithoutListener(UserFrozenLayersTests::frozenMln);
        }

        @Test
        @DisplayName("on a ComputationGraph frozen by TransferLearning.setFeatureExtractor, batch norm after it")
        void computationGraph() {
            TrainEverythingTests.assertSameAsWithoutListener(UserFrozenLayersTests::featureExtractorGraph);
        }
    }

    /** layer0 FrozenLayer(dense), then three dense layers of one type and the output layer. */
    private static MultiLayerNetwork fourDense() {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-2))
                .list().layer(new FrozenLayer(new DenseLayer.Builder().nIn(TestNets.IN).nOut(TestNets.HIDDEN)
                        .activation(Activation.TANH).build()));
        for (int i = 0; i < 3; i++) {
            b.layer(new DenseLayer.Builder().nIn(TestNets.HIDDEN).nOut(TestNets.HIDDEN).activation(Activation.TANH)
                    .build());
        }
        MultiLayerNetwork net = new MultiLayerNetwork(b.layer(new OutputLayer.Builder(
                LossFunctions.LossFunction.MCXENT).nIn(TestNets.HIDDEN).nOut(TestNets.CLASSES)
                .activation(Activation.SOFTMAX).build()).build());
        net.init();
        return net;
    }

    @Test
    @DisplayName("is never selected, not counted in its type's ranking, reported, and kept across save and restore")
    void keptOutOfTheRanking(@TempDir Path dir) throws IOException {
        MultiLayerNetwork net = fourDense();
        SpectrumListener spectrum = SpectrumListener.builder().optTopPercent(50).build();
        spectrum.selectNow(net);
        assertEquals(Set.of("layer0"), spectrum.userFrozen());
        assertEquals(Set.of("layer0"), spectrum.history().get(0).userFrozen());
        Set<String> dense = new HashSet<>(spectrum.selected());
        dense.retainAll(Set.of("layer1", "layer2", "layer3"));
        // int(3 × 50 %) = 1 of the 3 selectable dense layers; counting the frozen one would give int(4 × 50 %) = 2
        assertEquals(1, dense.size(), "selected " + spectrum.selected());
        assertFalse(spectrum.selected().contains("layer0"));
        assertEquals(Set.of("layer1", "layer2", "layer3"), spectrum.history().get(0).scores().keySet().stream()
                .filter(m -> !m.equals("layer4")).collect(java.util.stream.Collectors.toSet()), "ranked modules");
        Map<String, INDArray> before = TestNets.snapshot(net.paramTable());
        net.fit(TestNets.iterator(TestNets.batches(2, 3)));
        assertEquals(before.get("0_W"), net.paramTable().get("0_W"));

        File f = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        NetworkFreeze carried = NetworkFreeze.of(Dl4jNetwork.of(restored), true);
        assertEquals(java.util.Optional.of(spectrum.selected()), carried.selection(), "Spectrum's freeze is carried");
        assertEquals(Set.of("layer0"), carried.userFrozenModules(), "the user's freeze is told apart from Spectrum's");
        restored.addListeners(SpectrumListener.builder().optTopPercent(50).build());
        restored.fit(TestNets.iterator(TestNets.batches(1, 4)));
        assertEquals(before.get("0_W"), restored.paramTable().get("0_W"));
    }

    @Test
    @DisplayName("is refused by name when a freeze or an always-train pattern asks to train it")
    void refusedWhenAskedFor() {
        MultiLayerNetwork net = fourDense();
        INDArray params = net.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NetworkFreeze.of(Dl4jNetwork.of(net), true).apply(Set.of("layer0", "layer4")));
        assertTrue(e.getMessage().contains("'layer0'") && e.getMessage().contains("FrozenLayer"), e.getMessage());
        IllegalArgumentException p = assertThrows(IllegalArgumentException.class,
                () -> SpectrumListener.builder().optAlwaysTrain("layer0").build().selectNow(net));
        assertTrue(p.getMessage().contains("optTrainUserFrozen"), p.getMessage());
        assertEquals(params, net.params());
        assertEquals(FrozenLayer.class, net.getLayerWiseConfigurations().getConf(0).getLayer().getClass());
    }

    @Test
    @DisplayName("trains when selected with optTrainUserFrozen(true)")
    void trainsWhenAdopted() {
        MultiLayerNetwork kept = frozenMln();
        MultiLayerNetwork adopted = frozenMln();
        SpectrumListener keep = SpectrumListener.builder().optTopPercent(100).build();
        SpectrumListener adopt = SpectrumListener.builder().optTopPercent(100).optTrainUserFrozen(true).build();
        keep.selectNow(kept);
        adopt.selectNow(adopted);
        assertEquals(Set.of("layer0", "layer3"), keep.userFrozen());
        assertEquals(Set.of(), adopt.userFrozen());
        assertTrue(adopt.selected().containsAll(Set.of("layer0", "layer3")), "selected " + adopt.selected());
        Map<String, INDArray> before = TestNets.snapshot(adopted.paramTable());
        kept.fit(TestNets.iterator(TestNets.batches(2, 3)));
        adopted.fit(TestNets.iterator(TestNets.batches(2, 3)));
        assertEquals(before.get("0_W"), kept.paramTable().get("0_W"), "kept frozen by default");
        assertNotEquals(before.get("0_W"), adopted.paramTable().get("0_W"), "trains when adopted and selected");
        assertNotEquals(before.get("3_W"), adopted.paramTable().get("3_W"));
    }
}
