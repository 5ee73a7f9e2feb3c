package ai.spectrum.training;

import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.training.freeze.NetworkFreeze;
import ai.spectrum.training.freeze.SelectiveFreezeLayerImpl;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CenterLossOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Layer kinds beyond dense stacks: several output layers, wrappers, layers with extra parameters. */
class LayerKindsTests {

    static void assertMoved(Map<String, INDArray> before, Map<String, INDArray> after, boolean moved,
            String... keys) {
        for (String k : keys) {
            if (moved) {
                assertNotEquals(before.get(k), after.get(k), k + " should have trained");
            } else {
                assertEquals(before.get(k), after.get(k), k + " should be frozen");
            }
        }
    }

    @Nested
    @DisplayName("a graph with two output layers")
    class TwoHeads {
        /** in → dA → outA, in → dB → outB. */
        private ComputationGraph twoHeads() {
            ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3)
                    .updater(new Adam(1e-2)).graphBuilder().addInputs("in")
                    .addLayer("dA", new DenseLayer.Builder().nOut(8).activation(Activation.TANH).build(), "in")
                    .addLayer("dB", new DenseLayer.Builder().nOut(8).activation(Activation.TANH).build(), "in")
                    .addLayer("outA", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                            .activation(Activation.SOFTMAX).build(), "dA")
                    .addLayer("outB", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                            .activation(Activation.IDENTITY).build(), "dB")
                    .setOutputs("outA", "outB").setInputTypes(InputType.feedForward(5)).build());
            g.init();
            return g;
        }

        private MultiDataSet batch() {
            Nd4j.getRandom().setSeed(9);
            INDArray y = Nd4j.zeros(6, 3);
            for (int r = 0; r < 6; r++) {
                y.putScalar(r, r % 3, 1.0);
            }
            return new MultiDataSet(new INDArray[]{Nd4j.randn(6, 5)}, new INDArray[]{y, Nd4j.randn(6, 2)});
        }

        @Test
        @DisplayName("freezes the unselected head without DL4J's FrozenLayer, and saves and restores")
        void unselectedHeadIsFrozen(@TempDir Path dir) throws IOException {
            ComputationGraph g = twoHeads();
            NetworkFreeze.of(Dl4jNetwork.of(g), true).apply(Set.of("dA", "outA"));
            assertInstanceOf(FrozenLayer.class, g.getLayer("dB"), "dB only feeds the frozen head");
            assertInstanceOf(SelectiveFreezeLayerImpl.class, g.getLayer("outB"), "an output layer is never a FrozenLayer");
            Map<String, INDArray> before = TestNets.snapshot(g.paramTable());
            for (int i = 0; i < 3; i++) {
                g.fit(batch());
            }
            Map<String, INDArray> after = g.paramTable();
            assertMoved(before, after, false, "dB_W", "dB_b", "outB_W", "outB_b");
            assertMoved(before, after, true, "dA_W", "dA_b", "outA_W", "outA_b");

            File f = dir.resolve("two-heads.zip").toFile();
            ModelSerializer.writeModel(g, f, true);
            ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, true);
            assertEquals(g.params(), restored.params());
            restored.fit(batch());
            assertMoved(after, restored.paramTable(), false, "dB_W", "outB_W");
            assertMoved(after, restored.paramTable(), true, "dA_W", "outA_W");
        }

        @Test
        @DisplayName("trains under the listener with default settings")
        void listenerDefaults() {
            ComputationGraph g = twoHeads();
            SpectrumListener spectrum = SpectrumListener.builder().optTopPercent(50).build();
            spectrum.selectNow(g);
            Map<String, INDArray> before = TestNets.snapshot(g.paramTable());
            g.fit(batch());
            Set<String> selected = spectrum.selected();
            assertEquals(2, selected.size(), "one dense layer and one head: " + selected);
            for (String layer : new String[]{"dA", "dB", "outA", "outB"}) {
                assertMoved(before, g.paramTable(), selected.contains(layer), layer + "_W");
            }
        }
    }

    /** Saves with the updater, restores, and returns the restored network. */
    static MultiLayerNetwork roundTrip(MultiLayerNetwork net, Path dir) throws IOException {
        File f = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        return restored;
    }

    @Nested
    @DisplayName("a bidirectional LSTM")
    class BidirectionalLstm {
        private MultiLayerNetwork net() {
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(4)
                    .updater(new Adam(1e-2)).list()
                    .layer(new Bidirectional(Bidirectional.Mode.CONCAT, new LSTM.Builder().nIn(4).nOut(5)
                            .dataFormat(RNNFormat.NCW).build()))
                    .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(10).nOut(3)
                            .dataFormat(RNNFormat.NCW).activation(Activation.SOFTMAX).build())
                    .build());
            net.init();
            return net;
        }

        private DataSet batch() {
            Nd4j.getRandom().setSeed(5);
            INDArray y = Nd4j.zeros(4, 3, 6);
            for (int r = 0; r < 4; r++) {
                for (int t = 0; t < 6; t++) {
                    y.putScalar(new int[]{r, (r + t) % 3, t}, 1.0);
                }
            }
            return new DataSet(Nd4j.randn(new long[]{4, 4, 6}), y);
        }

        @Test
        @DisplayName("freezes some of its matrices, trains the others, saves, restores and resumes")
        void partlyFrozen(@TempDir Path dir) throws IOException {
            MultiLayerNetwork net = net();
            NetworkFreeze.of(Dl4jNetwork.of(net), true).apply(Set.of("layer0/fW", "layer1"));
            Map<String, INDArray> before = TestNets.snapshot(net.paramTable());
            for (int i = 0; i < 3; i++) {
                net.fit(batch());
            }
            assertMoved(before, net.paramTable(), false, "0_fRW", "0_bW", "0_bRW");
            assertMoved(before, net.paramTable(), true, "0_fW", "0_fb", "0_bb", "1_W");
            MultiLayerNetwork restored = roundTrip(net, dir);
            Map<String, INDArray> saved = TestNets.snapshot(restored.paramTable());
            restored.fit(batch());
            assertMoved(saved, restored.paramTable(), false, "0_fRW", "0_bW", "0_bRW");
            assertMoved(saved, restored.paramTable(), true, "0_fW", "1_W");
        }

        @Test
        @DisplayName("trains under the listener with a frozen output layer")
        void underTheListener() {
            MultiLayerNetwork net = net();
            SpectrumListener spectrum = SpectrumListener.builder().optTopPercent(50).optAlwaysTrain("layer0/bW")
                    .build();
            spectrum.selectNow(net);
            assertEquals(Set.of("layer0/bW"), spectrum.selected());
            Map<String, INDArray> before = TestNets.snapshot(net.paramTable());
            net.fit(batch());
            assertMoved(before, net.paramTable(), true, "0_bW");
            assertMoved(before, net.paramTable(), false, "0_fW", "0_fRW", "0_bRW", "1_W");
        }
    }

    @Nested
    @DisplayName("a centre-loss output layer")
    class CenterLoss {
        @Test
        @DisplayName("frozen with its class centres, saves, restores and resumes")
        void saveRestoreResume(@TempDir Path dir) throws IOException {
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(6)
                    .updater(new Adam(1e-2)).list()
                    .layer(new DenseLayer.Builder().nIn(TestNets.IN).nOut(TestNets.HIDDEN).activation(Activation.TANH)
                            .build())
                    .layer(new CenterLossOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(TestNets.HIDDEN)
                            .nOut(TestNets.CLASSES).activation(Activation.SOFTMAX).alpha(0.1).lambda(0.01).build())
                    .build());
            net.init();
            NetworkFreeze.of(Dl4jNetwork.of(net), true).apply(Set.of("layer0"));
            Map<String, INDArray> before = TestNets.snapshot(net.paramTable());
            net.fit(TestNets.iterator(TestNets.batches(3, 3)));
            assertMoved(before, net.paramTable(), false, "1_W", "1_b", "1_cL");
            assertMoved(before, net.paramTable(), true, "0_W", "0_b");
            MultiLayerNetwork restored = roundTrip(net, dir);
            NetworkFreeze.of(Dl4jNetwork.of(restored), true).apply(Set.of("layer1"));
            Map<String, INDArray> saved = TestNets.snapshot(restored.paramTable());
            restored.fit(TestNets.iterator(TestNets.batches(2, 4)));
            assertMoved(saved, restored.paramTable(), true, "1_W", "1_b", "1_cL");
            assertMoved(saved, restored.paramTable(), false, "0_W", "0_b");
        }
    }
}
