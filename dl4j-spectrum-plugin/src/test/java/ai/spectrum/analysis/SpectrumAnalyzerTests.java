package ai.spectrum.analysis;

import ai.spectrum.dl4j.Dl4jNetwork;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpectrumAnalyzerTests {

    private static Map<String, INDArray> randomModel(int layers) {
        Nd4j.getRandom().setSeed(7);
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (int i = 0; i < layers; i++) {
            m.put("model.layers." + i + ".self_attn.q_proj", Nd4j.randn(DataType.FLOAT, 48, 48));
            m.put("model.layers." + i + ".mlp.up_proj", Nd4j.randn(DataType.FLOAT, 48, 96));
        }
        return m;
    }

    @Nested
    @DisplayName("bad weights")
    class BadWeights {
        @Test
        void nanWeightsAreRejectedNamingTheModule() {
            INDArray w = Nd4j.ones(DataType.FLOAT, 4, 4).putScalar(1, 2, Float.NaN);
            DegenerateWeightsException e = assertThrows(DegenerateWeightsException.class,
                    () -> SpectrumAnalyzer.builder().build().score("enc.0.q", "q", w));
            assertEquals("enc.0.q", e.module());
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        }

        @Test
        void infiniteWeightsAreRejected() {
            INDArray w = Nd4j.ones(DataType.DOUBLE, 3, 5).putScalar(0, 0, Double.NEGATIVE_INFINITY);
            assertThrows(DegenerateWeightsException.class, () -> SpectrumAnalyzer.builder().build().score("w", "t", w));
        }

        @Test
        void allZeroMatrixIsRejectedInStrictModeAndScoresNaNOtherwise() {
            INDArray w = Nd4j.zeros(DataType.FLOAT, 8, 3);
            DegenerateWeightsException e = assertThrows(DegenerateWeightsException.class,
                    () -> SpectrumAnalyzer.builder().build().score("z", "t", w));
            assertTrue(e.getMessage().contains("zero"), e.getMessage());
            assertTrue(Double.isNaN(SpectrumAnalyzer.builder().optStrict(false).build().score("z", "t", w).snr()));
        }

        @Test
        void threadCountBelowOneIsRejected() {
            assertThrows(IllegalArgumentException.class, () -> SpectrumAnalyzer.builder().optThreads(0));
        }
    }

    @Nested
    @DisplayName("scanning")
    class Scanning {
        @Test
        void parallelScanIsDeterministicAndAgreesWithSerialToRounding() throws IOException {
            NetworkWeights src = NetworkWeights.of("m", randomModel(6));
            ScanResult one = SpectrumAnalyzer.builder().optThreads(1).build().scan(src, ScanProgress.NOOP);
            ScanResult two = SpectrumAnalyzer.builder().optThreads(2).build().scan(src, ScanProgress.NOOP);
            ScanResult again = SpectrumAnalyzer.builder().optThreads(2).build().scan(src, ScanProgress.NOOP);
            assertEquals(two.scores(), again.scores());
            assertEquals(src.weights().stream().map(WeightInfo::name).toList(),
                    two.scores().stream().map(ModuleScore::name).toList());
            // single-threaded native BLAS sums in another order than the 2-thread default: equal to rounding only
            for (int i = 0; i < one.scores().size(); i++) {
                double a = one.scores().get(i).snr();
                assertEquals(a, two.scores().get(i).snr(), 1e-12 * a, one.scores().get(i).name());
            }
        }

        @Test
        void parallelScanRestoresTheBackendsNativeThreadCounts() throws IOException {
            int blas = Nd4j.factory().blas().getMaxThreads();
            int ops = Nd4j.getEnvironment().maxThreads();
            SpectrumAnalyzer.builder().optThreads(2).build().scan(NetworkWeights.of("m", randomModel(2)),
                    ScanProgress.NOOP);
            assertEquals(blas, Nd4j.factory().blas().getMaxThreads());
            assertEquals(ops, Nd4j.getEnvironment().maxThreads());
        }

        @Test
        void progressReportsEveryModuleOnceAndCountsToTheTotal() throws IOException {
            NetworkWeights src = NetworkWeights.of("m", randomModel(3));
            List<Integer> done = new ArrayList<>();
            int[] total = new int[1];
            SpectrumAnalyzer.builder().optThreads(2).build().scan(src, new ScanProgress() {
                @Override
                public void started(int t) {
                    total[0] = t;
                }

                @Override
                public void moduleDone(ModuleScore score, int d, int t) {
                    done.add(d);
                }
            });
            assertEquals(6, total[0]);
            assertEquals(List.of(1, 2, 3, 4, 5, 6), done);
        }

        @Test
        void threadsInsideALargeMatrixChangeNoBit() {
            Nd4j.getRandom().setSeed(11);
            // 3 Gram tiles (the last partial) and several slabs, tall and wide
            INDArray tall = Nd4j.randn(DataType.FLOAT, 9000, 600);
            INDArray wide = Nd4j.randn(DataType.FLOAT, 520, 7001).muliRowVector(Nd4j.rand(DataType.FLOAT, 1, 7001));
            // with each eigenvalue routine (the band reduction from order 2,560 by default, lowered here: its
            // tiles are shared by the threads too)
            for (SymmetricEigenvalues eigen : List.of(SymmetricEigenvalues.standard(),
                    SymmetricEigenvalues.bandFrom(256))) {
                for (INDArray w : List.of(tall, wide)) {
                    ModuleScore one = SpectrumAnalyzer.builder().optThreads(1).optEigenvalues(eigen).build()
                            .score("w", "t", w);
                    for (int threads : new int[]{2, 3}) {
                        assertEquals(one, SpectrumAnalyzer.builder().optThreads(threads).optEigenvalues(eigen).build()
                                .score("w", "t", w), threads + " threads, " + eigen.describe());
                    }
                }
            }
        }

        @Test
        void scanResultsAreBitIdenticalForOneAndTwoThreadsOnTheBandRoute() throws IOException {
            NetworkWeights src = NetworkWeights.of("m", randomModel(3));
            SymmetricEigenvalues band = SymmetricEigenvalues.bandFrom(32); // every 48-wide Gram matrix
            assertEquals("band", band.routine(48));
            ScanResult one = SpectrumAnalyzer.builder().optThreads(1).optEigenvalues(band).build()
                    .scan(src, ScanProgress.NOOP);
            ScanResult two = SpectrumAnalyzer.builder().optThreads(2).optEigenvalues(band).build()
                    .scan(src, ScanProgress.NOOP);
            assertEquals(one.scores(), two.scores());
        }

        @Test
        void completedModulesAreTakenAsTheyAreAndNotAnalysedAgain() throws IOException {
            NetworkWeights src = NetworkWeights.of("m", randomModel(2));
            SpectrumAnalyzer analyzer = SpectrumAnalyzer.builder().optThreads(2).build();
            ScanResult whole = analyzer.scan(src, ScanProgress.NOOP);
            ModuleScore kept = whole.scores().get(1);
            List<String> analysed = new ArrayList<>();
            ScanResult resumed = analyzer.scan(src, new ScanProgress() {
                @Override
                public void moduleDone(ModuleScore score, int d, int t) {
                    analysed.add(score.name());
                }
            }, Map.of(kept.name(), kept));
            assertEquals(whole.scores(), resumed.scores());
            assertEquals(3, analysed.size());
            assertFalse(analysed.contains(kept.name()));
        }

        @Test
        void resultCarriesProvenanceWithTheConfiguration() throws IOException {
            ScanResult r = SpectrumAnalyzer.builder().optRule(SnrRule.REF2024).build()
                    .scan(NetworkWeights.of("m", randomModel(1)), ScanProgress.NOOP);
            assertEquals("ref2024", r.provenance().configuration().get("rule"));
            assertEquals("band reduction (tiles, then dsbev_2stage) from order 2560, else syev",
                    r.provenance().configuration().get("gramEigenvalues"));
            assertEquals("CpuBackend", r.provenance().backend());
            assertEquals("1.0.0-M2.1", r.provenance().dl4jVersion());
        }

        @Test
        void typeOverrideRegroupsModules() throws IOException {
            ScanResult r = SpectrumAnalyzer.builder()
                    .optTypeOverride(w -> new WeightInfo(w.name(), "all", w.shape())).build()
                    .scan(NetworkWeights.of("m", randomModel(1)), ScanProgress.NOOP);
            assertTrue(r.scores().stream().allMatch(s -> s.type().equals("all")));
        }
    }

    @Nested
    @DisplayName("module types")
    class Types {
        @Test
        void pathAfterTheFirstIndexIsTheType() {
            assertEquals("mlp.down_proj", ModuleTypes.fromPath("model.layers.3.mlp.down_proj"));
            assertEquals("attention.self.query", ModuleTypes.fromPath("encoder.layer.11.attention.self.query"));
            assertEquals("lm_head", ModuleTypes.fromPath("lm_head"));
            assertEquals("model.layers.3", ModuleTypes.fromPath("model.layers.3"));
        }

        @Test
        void multiLayerNetworkLayersAreTypedByClassAndParameter() {
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                    .layer(new LSTM.Builder().nIn(4).nOut(6).build())
                    .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(6).nOut(2)
                            .activation(Activation.IDENTITY).build())
                    .build());
            net.init();
            List<WeightInfo> w = Dl4jNetwork.of(net).weights().weights();
            assertEquals(List.of("layer0/W", "layer0/RW", "layer1"), w.stream().map(WeightInfo::name).toList());
            assertEquals(List.of("LSTM/W", "LSTM/RW", "RnnOutputLayer/W"), w.stream().map(WeightInfo::type).toList());
        }

        @Test
        void graphVerticesWithIndexedPathsAreTypedByPath() {
            ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                    .addInputs("in")
                    .addLayer("encoder.layer.0.attention.self.query", new DenseLayer.Builder().nIn(4).nOut(4).build(), "in")
                    .addLayer("head", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(4).nOut(2)
                            .activation(Activation.IDENTITY).build(), "encoder.layer.0.attention.self.query")
                    .setOutputs("head").build());
            g.init();
            List<WeightInfo> w = Dl4jNetwork.of(g).weights().weights();
            assertEquals(List.of("attention.self.query", "OutputLayer/W"), w.stream().map(WeightInfo::type).toList());
            assertEquals(List.of(4L, 4L), List.of(w.get(0).shape()[0], w.get(0).shape()[1]));
        }

        @Test
        void sameDiffTrainableMatricesAreScannedButNotBiasesConstantsOrPlaceholders() {
            org.nd4j.autodiff.samediff.SameDiff sd = org.nd4j.autodiff.samediff.SameDiff.create();
            var in = sd.placeHolder("in", DataType.FLOAT, -1, 4);
            var w = sd.var("blocks.0.proj", Nd4j.rand(DataType.FLOAT, 4, 6));
            var b = sd.var("blocks.0.bias", Nd4j.rand(DataType.FLOAT, 6));
            sd.constant("fixed", Nd4j.rand(DataType.FLOAT, 6, 6));
            in.mmul(w).add(b);
            List<WeightInfo> found = NetworkWeights.of(sd).weights();
            assertEquals(List.of(new WeightInfo("blocks.0.proj", "proj", new long[]{4, 6})), found);
        }

        @Test
        void aModelWithoutWeightMatricesIsAnError() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NetworkWeights.of("empty", Map.of()));
            assertTrue(e.getMessage().contains("no weight matrices"), e.getMessage());
        }
    }
}
