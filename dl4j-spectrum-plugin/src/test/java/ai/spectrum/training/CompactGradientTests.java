package ai.spectrum.training;

import ai.spectrum.dl4j.Wrappers;
import ai.spectrum.selection.SelectionStrategy;
import ai.spectrum.training.TestNets.Options;
import ai.spectrum.training.freeze.SelectiveFreezeLayerImpl;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.GaussianNoise;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compact gradient: gradient memory only for layers that write gradients, same arithmetic as DL4J's. */
class CompactGradientTests {

    private static SpectrumListener lisa(boolean compact) {
        return SpectrumListener.builder().optTopPercent(50).optStrategy(SelectionStrategy.lisa())
                .optReselectEveryIterations(2).optSeed(3).optCompactGradient(compact).build();
    }

    private static void fit(Model m, List<DataSet> data, int epochs) {
        if (m instanceof ComputationGraph g) {
            g.fit(TestNets.iterator(data), epochs);
        } else {
            ((MultiLayerNetwork) m).fit(TestNets.iterator(data), epochs);
        }
    }

    /** Trains two copies, one with the compact and one with DL4J's full-size gradient, and compares everything. */
    private static <T extends Model> void compareLayouts(Supplier<T> net) {
        T compact = net.get();
        T full = net.get();
        SpectrumListener lc = lisa(true);
        SpectrumListener lf = lisa(false);
        compact.addListeners(lc);
        full.addListeners(lf);
        List<DataSet> data = TestNets.batches(6, 4);
        Nd4j.getRandom().setSeed(17);
        fit(compact, data, 2);
        Nd4j.getRandom().setSeed(17);
        fit(full, data, 2);
        assertEquals(full.params(), compact.params(), "parameters differ between the two gradient layouts");
        INDArray fullState = stateOf(full);
        assertEquals(fullState, stateOf(compact), "optimizer state differs between the two gradient layouts");
        assertEquals(lf.history().stream().map(SelectionEvent::selected).toList(),
                lc.history().stream().map(SelectionEvent::selected).toList());
        assertTrue(lc.history().stream().map(SelectionEvent::selected).distinct().count() > 1,
                "LISA should have changed the selection: " + lc.history());
        assertEquals(full.numParams(), gradientOf(full).length());
        assertTrue(gradientOf(compact).length() < full.numParams(),
                "compact gradient " + gradientOf(compact).length() + " of " + full.numParams());
    }

    private static INDArray stateOf(Model m) {
        return m instanceof ComputationGraph g ? g.getUpdater().getStateViewArray()
                : ((MultiLayerNetwork) m).getUpdater().getStateViewArray();
    }

    private static INDArray gradientOf(Model m) {
        return m instanceof ComputationGraph g ? g.getFlattenedGradients()
                : ((MultiLayerNetwork) m).getFlattenedGradients();
    }

    @Nested
    @DisplayName("arithmetic")
    class Arithmetic {

        @Test
        @DisplayName("a ComputationGraph trains bit-identically with the compact and the full-size gradient")
        void graphLayoutsAgree() {
            compareLayouts(() -> TestNets.graph(Options.all()));
        }

        @Test
        @DisplayName("a MultiLayerNetwork trains bit-identically with the compact and the full-size gradient")
        void multiLayerLayoutsAgree() {
            compareLayouts(() -> TestNets.mln(Options.all()));
        }

        @Test
        @DisplayName("mixed updaters (Adam, Nesterov, SGD, AdaGrad) and per-layer gradient clipping agree too")
        void mixedUpdatersAgree() {
            compareLayouts(Arithmetic::mixedUpdaters);
        }

        @Test
        @DisplayName("frozen ReLU and identity layers in the middle back-propagate like FrozenLayerWithBackprop")
        void outputDerivativeMatchesRecomputation() {
            // layer1 (ReLU) and layer3 (identity) are frozen; layer2 adds Gaussian noise to its input in place (DL4J
            // allows it in a MultiLayerNetwork), which moves zeros of layer1's output: the wrapper must keep a copy.
            MultiLayerNetwork net = reluStack(false);
            MultiLayerNetwork reference = reluStack(true);
            reference.setParams(net.params().dup());
            List<DataSet> data = TestNets.batches(6, 8);
            net.addListeners(SpectrumListenerTests.trainOnly("layer0", "layer2", "layer4"));
            Nd4j.getRandom().setSeed(23);
            reference.fit(TestNets.iterator(data), 2);
            Nd4j.getRandom().setSeed(23);
            net.fit(TestNets.iterator(data), 2);
            assertEquals(reference.params(), net.params());
            SelectiveFreezeLayerImpl relu = (SelectiveFreezeLayerImpl) net.getLayer(1);
            assertTrue(relu.skipsWeightGradient());
            assertEquals(12, relu.derivativesFromOutput(), "backprop passes that reused the ReLU output");
        }

        /** Four dense layers and an output layer with different updaters: blocks break at every layer. */
        private static MultiLayerNetwork mixedUpdaters() {
            int h = TestNets.HIDDEN;
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(9).updater(new Adam(1e-2))
                    .l2(1e-3).list()
                    .layer(new DenseLayer.Builder().nIn(TestNets.IN).nOut(h).activation(Activation.RELU).build())
                    .layer(new DenseLayer.Builder().nIn(h).nOut(h).activation(Activation.TANH)
                            .updater(new Nesterovs(1e-2, 0.9)).build())
                    .layer(new DenseLayer.Builder().nIn(h).nOut(h).activation(Activation.RELU).updater(new Sgd(1e-2))
                            .gradientNormalization(GradientNormalization.ClipL2PerLayer)
                            .gradientNormalizationThreshold(0.05).build())
                    .layer(new DenseLayer.Builder().nIn(h).nOut(h).activation(Activation.IDENTITY)
                            .updater(new AdaGrad(1e-2)).build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(h).nOut(TestNets.CLASSES)
                            .activation(Activation.SOFTMAX).gradientNormalization(GradientNormalization.ClipL2PerLayer)
                            .gradientNormalizationThreshold(0.05).build())
                    .build();
            MultiLayerNetwork n = new MultiLayerNetwork(conf);
            n.init();
            return n;
        }

        /** in → ReLU → ReLU → ReLU (Gaussian input noise) → identity → softmax; optionally layers 1 and 3 FrozenLayerWithBackprop. */
        private MultiLayerNetwork reluStack(boolean frozenWithBackprop) {
            int h = TestNets.HIDDEN;
            var d1 = new DenseLayer.Builder().nIn(h).nOut(h).activation(Activation.RELU).build();
            var d3 = new DenseLayer.Builder().nIn(h).nOut(h).activation(Activation.IDENTITY).build();
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-2)).list()
                    .layer(new DenseLayer.Builder().nIn(TestNets.IN).nOut(h).activation(Activation.RELU).build())
                    .layer(frozenWithBackprop ? new FrozenLayerWithBackprop(d1) : d1)
                    .layer(new DenseLayer.Builder().nIn(h).nOut(h).activation(Activation.RELU)
                            .dropOut(new GaussianNoise(1.0)).build())
                    .layer(frozenWithBackprop ? new FrozenLayerWithBackprop(d3) : d3)
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(h).nOut(TestNets.CLASSES)
                            .activation(Activation.SOFTMAX).build())
                    .build();
            MultiLayerNetwork n = new MultiLayerNetwork(conf);
            n.init();
            return n;
        }
    }

    @Nested
    @DisplayName("memory")
    class Memory {
        private final int h = TestNets.HIDDEN;

        /** The test graph after two minibatches that train exactly {@code modules}. */
        private ComputationGraph trainedOnly(String... modules) {
            ComputationGraph g = TestNets.graph(Options.all());
            g.addListeners(SpectrumListenerTests.trainOnly(modules));
            g.fit(TestNets.iterator(TestNets.batches(2, 1)));
            return g;
        }

        @Test
        @DisplayName("the gradient holds only the trained layers when the frozen ones are structural")
        void structuralFreezeLeavesOnlyTrainedLayers() {
            ComputationGraph g = trainedOnly("d2", "out");
            assertEquals((h * h + h) + (h * TestNets.CLASSES + TestNets.CLASSES), g.getFlattenedGradients().length());
        }

        @Test
        @DisplayName("frozen dense and output layers on the backprop path get no gradient memory; batch norm does")
        void epsilonOnlyLayersHaveNoSegment() {
            ComputationGraph g = trainedOnly("d0", "d2");
            long d0 = (long) TestNets.IN * h + h;
            long bn0 = 4L * h; // gamma, beta, mean, log-std: frozen but written by DL4J's batch-norm backprop
            long d2 = (long) h * h + h;
            assertEquals(d0 + bn0 + d2, g.getFlattenedGradients().length());
            assertNull(((BaseLayer<?>) Wrappers.unfrozen(g.getLayer("d1"))).getGradientsViewArray(),
                    "a frozen layer without a segment must not keep a view of an older gradient array");
        }
    }

    @Nested
    @DisplayName("robustness")
    class Robustness {

        @Test
        @DisplayName("a gradient array re-allocated outside Spectrum is replaced at the next epoch, bit-identically")
        void layoutRestoredAtEpochStart() {
            List<DataSet> data = TestNets.batches(4, 6);
            ComputationGraph reference = TestNets.graph(Options.all());
            reference.addListeners(lisa(true));
            Nd4j.getRandom().setSeed(2);
            reference.fit(TestNets.iterator(data), 2);

            ComputationGraph g = TestNets.graph(Options.all());
            g.addListeners(lisa(true));
            Nd4j.getRandom().setSeed(2);
            g.fit(TestNets.iterator(data), 1);
            g.initGradientsView(); // DL4J's full-size array, re-bound to every layer
            assertEquals(g.numParams(), g.getFlattenedGradients().length());
            g.fit(TestNets.iterator(data), 1);
            assertEquals(reference.params(), g.params());
            assertEquals(reference.getFlattenedGradients().length(), g.getFlattenedGradients().length());
        }

        @Test
        @DisplayName("a minibatch fit on a gradient array re-allocated outside Spectrum fails instead of not training")
        void foreignGradientFailsLoudly() {
            ComputationGraph g = TestNets.graph(Options.all());
            g.addListeners(lisa(true));
            g.fit(TestNets.iterator(TestNets.batches(2, 1)));
            assertTrue(g.getFlattenedGradients().length() < g.numParams());
            assertForeignGradientFails(g);
        }

        @Test
        @DisplayName("... also when the compact array is as long as DL4J's (no layer without a segment)")
        void foreignGradientOfEqualLengthFailsLoudly() {
            ComputationGraph g = TestNets.graph(Options.all());
            g.addListeners(SpectrumListenerTests.trainOnly("d0", "d1", "d2", "out")); // batch norm keeps a segment
            g.fit(TestNets.iterator(TestNets.batches(2, 1)));
            assertEquals(g.numParams(), g.getFlattenedGradients().length());
            assertForeignGradientFails(g);
        }

        private void assertForeignGradientFails(ComputationGraph g) {
            g.initGradientsView();
            DataSet ds = TestNets.batches(1, 2).get(0);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.fit(ds));
            assertTrue(e.getMessage().contains("outside Spectrum"), e.getMessage());
        }

        @Test
        @DisplayName("after MultiLayerNetwork.clear() a minibatch fit re-installs the compact updater, state kept")
        void clearedSolverIsRepaired() {
            MultiLayerNetwork reference = TestNets.mln(Options.all());
            MultiLayerNetwork net = TestNets.mln(Options.all());
            reference.addListeners(lisa(true));
            net.addListeners(lisa(true));
            List<DataSet> data = TestNets.batches(3, 5);
            DataSet next = TestNets.batches(1, 6).get(0);
            Nd4j.getRandom().setSeed(4);
            reference.fit(TestNets.iterator(data));
            reference.fit(next);
            Nd4j.getRandom().setSeed(4);
            net.fit(TestNets.iterator(data));
            net.clear(); // drops DL4J's solver: optimizer, updater and step function
            net.fit(next);
            assertEquals(reference.params(), net.params());
            assertEquals(reference.getUpdater().getStateViewArray(), net.getUpdater().getStateViewArray());
        }

        @Test
        @DisplayName("setLearningRate fails loudly on the compact gradient; training then goes on as with the full-size one")
        void setLearningRate() {
            ComputationGraph compact = TestNets.graph(Options.all());
            compact.addListeners(lisa(true));
            compact.fit(TestNets.iterator(TestNets.batches(2, 1)));
            RuntimeException e = assertThrows(RuntimeException.class, () -> compact.setLearningRate(1e-3));
            assertTrue(String.valueOf(e.getMessage()).contains("out of range"), e.getMessage());

            ComputationGraph full = TestNets.graph(Options.all());
            full.addListeners(lisa(false));
            full.fit(TestNets.iterator(TestNets.batches(2, 1)));
            full.setLearningRate(1e-3);
            INDArray before = full.params().dup();
            full.fit(TestNets.iterator(TestNets.batches(2, 3)));
            assertTrue(!before.equals(full.params()), "training after setLearningRate must move parameters");

            // DL4J wrote the new rate into the configuration before failing; the next epoch rebuilds the compact
            // updater from it with the optimizer state kept, so training continues as after a successful call
            compact.fit(TestNets.iterator(TestNets.batches(2, 3)));
            assertEquals(full.params(), compact.params());
            assertEquals(full.getUpdater().getStateViewArray(), compact.getUpdater().getStateViewArray());
        }

        @Test
        @DisplayName("a network restored from a checkpoint gets the compact gradient back at its first epoch")
        void restoredNetworkIsCompactAgain(@TempDir Path dir) throws IOException {
            ComputationGraph g = TestNets.graph(Options.plain());
            g.addListeners(lisa(true));
            g.fit(TestNets.iterator(TestNets.batches(3, 1)));
            long compactLength = g.getFlattenedGradients().length();
            File file = dir.resolve("m.zip").toFile();
            ModelSerializer.writeModel(g, file, true);
            ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
            restored.addListeners(lisa(true));
            restored.fit(TestNets.iterator(TestNets.batches(1, 2)));
            assertTrue(restored.getFlattenedGradients().length() < restored.numParams(),
                    "restored network still has the full-size gradient");
            assertTrue(compactLength < g.numParams());
        }
    }
}
