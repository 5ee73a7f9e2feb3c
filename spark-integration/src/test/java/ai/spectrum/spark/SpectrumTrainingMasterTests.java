package ai.spectrum.spark;

import ai.spectrum.training.SelectionEvent;
import ai.spectrum.selection.SelectionStrategy;
import ai.spectrum.training.SpectrumListener;
import ai.spectrum.training.freeze.SelectiveFreezeLayer;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static ai.spectrum.spark.TestNets.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpectrumTrainingMasterTests {
    private static final int BATCH = 8;

    @BeforeEach
    void clearRecorder() {
        MinibatchRecorder.clear();
    }

    /** Parameter averaging with one minibatch of {@link #BATCH} examples per RDD element, fed directly. */
    private static ParameterAveragingTrainingMaster.Builder averaging(int workers, int frequency) {
        return new ParameterAveragingTrainingMaster.Builder(workers, BATCH)
                .saveUpdater(true)
                .batchSizePerWorker(BATCH)
                .averagingFrequency(frequency)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .rngSeed(7)
                .trainingHooks(new MinibatchRecorder());
    }

    private static JavaRDD<DataSet> rdd(List<DataSet> data) {
        return LocalSpark.context().parallelize(data, 2);
    }

    /** Modules never selected by any event of the history. */
    private static Set<String> frozenThroughout(List<SelectionEvent> history, Set<String> modules) {
        Set<String> out = new HashSet<>(modules);
        history.forEach(e -> out.removeAll(e.selected()));
        return out;
    }

    /** Layer name of each parameter-table key, read from an unfrozen network. */
    private static Map<String, String> layerNames(Model net) {
        Map<String, String> out = new java.util.HashMap<>();
        if (net instanceof MultiLayerNetwork mln) {
            for (String key : net.paramTable().keySet()) {
                int idx = Integer.parseInt(TestNets.layerOf(key));
                out.put(key, mln.getLayer(idx).conf().getLayer().getLayerName());
            }
        } else {
            net.paramTable().keySet().forEach(k -> out.put(k, TestNets.layerOf(k)));
        }
        return out;
    }

    /**
     * Trains with several averaging rounds and a re-selection after each, then checks that what stayed frozen all
     * along is bit-identical to its initial value while what was trained moved.
     */
    private static void assertFrozenThroughoutUnchanged(Model net, Runnable fit, SpectrumTrainingMaster master) {
        Map<String, INDArray> initial = TestNets.paramCopies(net);
        Map<String, String> layerOf = layerNames(net);
        fit.run();
        List<SelectionEvent> history = master.history();
        assertTrue(history.size() >= 3, "first selection and re-selections: " + history.size());
        Set<Set<String>> distinct = new HashSet<>();
        history.forEach(e -> distinct.add(e.selected()));
        assertTrue(distinct.size() >= 2, "the selection changed between rounds: " + distinct);
        Set<String> frozen = frozenThroughout(history, new HashSet<>(layerOf.values()));
        assertFalse(frozen.isEmpty(), "some module stayed frozen throughout: " + history);
        Map<String, INDArray> after = TestNets.paramCopies(net);
        int movedTrained = 0;
        for (Map.Entry<String, INDArray> e : initial.entrySet()) {
            if (frozen.contains(layerOf.get(e.getKey()))) {
                assertBitIdentical(e.getValue(), after.get(e.getKey()), e.getKey() + " frozen throughout");
            } else if (!e.getValue().equals(after.get(e.getKey()))) {
                movedTrained++;
            }
        }
        assertTrue(movedTrained > 0, "trained parameters moved");
        // two workers: the average of two equal values is that value, so nothing needed restoring: the workers
        // themselves left every frozen parameter untouched
        assertEquals(0, master.restoredFrozenElements());
    }

    /** Workers trained with DL4J's full-size gradient array, or with Spectrum's smaller compact one. */
    private static void assertWorkerGradientLayout(boolean compact, Model net) {
        List<Long> lengths = MinibatchRecorder.gradientLengths();
        assertFalse(lengths.isEmpty());
        for (long len : lengths) {
            if (compact) {
                assertTrue(len < net.numParams(), "compact worker gradient: " + len + " of " + net.numParams());
            } else {
                assertEquals(net.numParams(), len, "DL4J's full-size worker gradient");
            }
        }
    }

    @Nested
    class Graph {

        @Test
        void parametersFrozenThroughoutStayBitIdenticalAcrossRoundsAndReselections() {
            ComputationGraph net = TestNets.graph(1);
            SpectrumTrainingMaster master = SpectrumTrainingMaster.builder().setAveraging(averaging(2, 2))
                    .optStrategy(SelectionStrategy.random()).optTopPercent(50).optSeed(3).build();
            SparkComputationGraph sparkNet = new SparkComputationGraph(LocalSpark.context(), net, master);
            List<DataSet> data = TestNets.minibatches(16, BATCH, 11);
            assertFrozenThroughoutUnchanged(net, () -> sparkNet.fit(rdd(data)), master);
        }

        @Test
        void dl4jsDefaultExportApproachTrainsTheSameWay(@TempDir File dir) {
            ComputationGraph net = TestNets.graph(7);
            ParameterAveragingTrainingMaster.Builder export = averaging(2, 1)
                    .rddTrainingApproach(RDDTrainingApproach.Export).exportDirectory(dir.toURI().toString());
            SpectrumTrainingMaster master = SpectrumTrainingMaster.builder().setAveraging(export)
                    .optStrategy(SelectionStrategy.random()).optTopPercent(50).optSeed(3).build();
            SparkComputationGraph sparkNet = new SparkComputationGraph(LocalSpark.context(), net, master);
            List<DataSet> data = TestNets.minibatches(8, BATCH, 17);
            assertFrozenThroughoutUnchanged(net, () -> sparkNet.fit(rdd(data)), master);
        }

        @Test
        void parametersFrozenThroughoutStayBitIdenticalWithThreeWorkers() {
            ComputationGraph net = TestNets.graph(5);
            Map<String, INDArray> initial = TestNets.paramCopies(net);
            SpectrumTrainingMaster master = SpectrumTrainingMaster.builder().setAveraging(averaging(3, 1))
                    .optStrategy(SelectionStrategy.firstK()).optTopPercent(50).build();
            new SparkComputationGraph(LocalSpark.context(), net, master)
                    .fit(LocalSpark.context().parallelize(TestNets.minibatches(6, BATCH, 16), 3));
            assertEquals(Set.of("d1", "d2"), master.trainableModules());
            for (String key : List.of("d3_W", "d3_b", "d4_W", "d4_b", "out_W", "out_b")) {
                assertBitIdentical(initial.get(key), net.getParam(key), key);
            }
            assertNotEquals(initial.get("d1_W"), net.getParam("d1_W"));
            // three equal copies averaged: some frozen values rounded and were written back
            assertTrue(master.restoredFrozenElements() > 0, "averaging moved no frozen value");
        }

        @ParameterizedTest(name = "compact worker gradient: {0}")
        @ValueSource(booleans = {false, true})
        void driverModelEqualsSingleMachineRunOverTheSameMinibatches(boolean compactWorkers) {
            ComputationGraph net = TestNets.graph(2);
            ComputationGraph reference = net.clone();
            int frequency = 2;
            int everyRounds = 2;
            SpectrumTrainingMaster master = SpectrumTrainingMaster.builder().setAveraging(averaging(1, frequency))
                    .optStrategy(SelectionStrategy.random()).optTopPercent(50).optSeed(5)
                    .optReselectEveryRounds(everyRounds).optCompactWorkerGradient(compactWorkers).build();
            SparkComputationGraph sparkNet = new SparkComputationGraph(LocalSpark.context(), net, master);
            sparkNet.fit(rdd(TestNets.minibatches(8, BATCH, 12)));

            List<DataSet> seen = MinibatchRecorder.seen();
            assertEquals(8, seen.size(), "minibatches trained by the single worker");
            SpectrumListener listener = SpectrumListener.builder().optStrategy(SelectionStrategy.random())
                    .optTopPercent(50).optSeed(5).optReselectEveryIterations(everyRounds * frequency).build();
            reference.setListeners(listener);
            listener.selectNow(reference);
            for (DataSet ds : seen) {
                reference.fit(ds);
            }

            assertEquals(selections(listener.history()), selections(master.history()));
            assertTrue(new HashSet<>(selections(master.history())).size() >= 2, "the selection changed");
            assertBitIdentical(reference.params(), net.params(), "parameters");
            assertBitIdentical(reference.getUpdater().getStateViewArray(), net.getUpdater().getStateViewArray(),
                    "optimizer state");
            assertEquals(reference.getConfiguration().getIterationCount(), net.getConfiguration().getIterationCount());
            assertWorkerGradientLayout(compactWorkers, net);
        }

        @Test
        void configurationCarriesTheFrozenSetAndWorkersKeepNoStateForIt() {
            ComputationGraph net = TestNets.graph(3);
            SpectrumTrainingMaster master = SpectrumTrainingMaster.builder().setAveraging(averaging(2, 1))
                    .optStrategy(SelectionStrategy.random()).optTopPercent(50).optSeed(9).build();
            new SparkComputationGraph(LocalSpark.context(), net, master).fit(rdd(TestNets.minibatches(4, BATCH, 13)));

            Set<String> trainable = master.trainableModules();
            // what a worker reads: the configuration as JSON, rebuilt
            ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(net.getConfiguration().toJson());
            long trainableParams = 0;
            for (String layer : List.of("d1", "d2", "d3", "d4", "out")) {
                Object layerConf = ((LayerVertex) conf.getVertices().get(layer)).getLayerConf().getLayer();
                boolean frozen = layerConf instanceof FrozenLayer || layerConf instanceof SelectiveFreezeLayer;
                assertEquals(!trainable.contains(layer), frozen, layer + " is " + layerConf.getClass().getSimpleName());
                if (!frozen) {
                    trainableParams += net.getLayer(layer).numParams();
                }
            }
            ComputationGraph worker = new ComputationGraph(conf.clone());
            worker.init(net.params().dup(), false);
            INDArray workerState = new ComputationGraphUpdater(worker).getStateViewArray();
            assertEquals(2 * trainableParams, workerState.length(), "Adam state (m, v) for trainable parameters only");
            assertEquals(net.getUpdater().getStateViewArray().length(), workerState.length());
        }

        @Test
        void savedDriverModelRestoresAndResumesWithTheCarriedSelection(@TempDir File dir) throws Exception {
            ComputationGraph net = TestNets.graph(4);
            SpectrumTrainingMaster master = SpectrumTrainingMaster.builder().setAveraging(averaging(2, 1))
                    .optStrategy(SelectionStrategy.random()).optTopPercent(50).optSeed(4)
                    .optReselectEveryRounds(100).build();
            new SparkComputationGraph(LocalSpark.context(), net, master).fit(rdd(TestNets.minibatches(4, BATCH, 14)));
            File file = new File(dir, "driver.zip");
            ModelSerializer.writeModel(net, file, true);

            ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
            assertBitIdentical(net.params(), restored.params(), "restored parameters");
            assertBitIdentical(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray(),
                    "restored optimizer state");
            Map<String, INDArray> before = TestNets.paramCopies(restored);
            SpectrumTrainingMaster resumed = SpectrumTrainingMaster.builder().setAveraging(averaging(2, 1))
                    .optStrategy(SelectionStrategy.random()).optTopPercent(50).optSeed(4)
                    .optReselectEveryRounds(100).build();
            new SparkComputationGraph(LocalSpark.context(), restored, resumed)
                    .fit(rdd(TestNets.minibatches(4, BATCH, 15)));

            assertTrue(resumed.history().isEmpty(), "the carried selection was adopted, not made again");
            assertEquals(master.trainableModules(), resumed.trainableModules());
            Map<String, INDArray> after = TestNets.paramCopies(restored);
            for (String key : before.keySet()) {
                boolean trains = master.trainableModules().contains(TestNets.layerOf(key));
                if (trains) {
                    assertNotEquals(before.get(key), after.get(key), key + " trained after resuming");
                } else {
                    assertBitIdentical(before.get(key), after.get(key), key + " stays frozen after resuming");
                }
            }
        }

        private static List<Set<String>> selections(List<SelectionEvent> history) {
            return history.stream().map(SelectionEvent::selected).toList();
        }
    }

    @Nested
    class MultiLayer {

        @Test
        void parametersFrozenThroughoutStayBitIdenticalAcrossRoundsAndReselections() {
            MultiLayerNetwork net = TestNets.multiLayer(1);
            SpectrumTrainingMaster master = SpectrumTrainingMaster.builder().setAveraging(averaging(2, 2))
                    .optStrategy(SelectionStrategy.random()).optTopPercent(50).optSeed(3).build();
            SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(LocalSpark.context(), net, master);
            List<DataSet> data = TestNets.minibatches(16, BATCH, 21);
            assertFrozenThroughoutUnchanged(net, () -> sparkNet.fit(rdd(data)), master);
        }

        @ParameterizedTest(name = "compact worker gradient: {0}")
        @ValueSource(booleans = {false, true})
        void driverModelEqualsSingleMachineRunWithTheSnrStrategy(boolean compactWorkers) {
            MultiLayerNetwork net = TestNets.multiLayer(2);
            MultiLayerNetwork reference = net.clone();
            SpectrumTrainingMaster master = SpectrumTrainingMaster.builder().setAveraging(averaging(1, 2))
                    .optTopPercent(50).optCompactWorkerGradient(compactWorkers).build();
            new SparkDl4jMultiLayer(LocalSpark.context(), net, master).fit(rdd(TestNets.minibatches(6, BATCH, 22)));

            SpectrumListener listener = SpectrumListener.builder().optTopPercent(50).optReselectEveryIterations(2)
                    .build();
            reference.setListeners(listener);
            listener.selectNow(reference);
            for (DataSet ds : MinibatchRecorder.seen()) {
                reference.fit(ds);
            }
            assertEquals(6, MinibatchRecorder.seen().size());
            assertEquals(listener.history().stream().map(SelectionEvent::selected).toList(),
                    master.history().stream().map(SelectionEvent::selected).toList());
            assertBitIdentical(reference.params(), net.params(), "parameters");
            assertBitIdentical(reference.getUpdater().getStateViewArray(), net.getUpdater().getStateViewArray(),
                    "optimizer state");
            assertWorkerGradientLayout(compactWorkers, net);
        }

        @Test
        void configurationCarriesTheFrozenSetAndWorkersKeepNoStateForIt() {
            MultiLayerNetwork net = TestNets.multiLayer(3);
            SpectrumTrainingMaster master = SpectrumTrainingMaster.builder().setAveraging(averaging(2, 1))
                    .optStrategy(SelectionStrategy.random()).optTopPercent(50).optSeed(9).build();
            new SparkDl4jMultiLayer(LocalSpark.context(), net, master).fit(rdd(TestNets.minibatches(4, BATCH, 23)));

            MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
            long trainableParams = 0;
            for (int i = 0; i < conf.getConfs().size(); i++) {
                Object layerConf = conf.getConf(i).getLayer();
                boolean frozen = layerConf instanceof FrozenLayer || layerConf instanceof SelectiveFreezeLayer;
                String name = ((org.deeplearning4j.nn.conf.layers.Layer) layerConf).getLayerName();
                assertEquals(!master.trainableModules().contains(name), frozen, name);
                if (!frozen) {
                    trainableParams += net.getLayer(i).numParams();
                }
            }
            MultiLayerNetwork worker = new MultiLayerNetwork(conf.clone());
            worker.init(net.params().dup(), false);
            INDArray workerState = new MultiLayerUpdater(worker).getStateViewArray();
            assertEquals(2 * trainableParams, workerState.length(), "Adam state (m, v) for trainable parameters only");
        }
    }

    @Nested
    class BadInput {

        @Test
        void averagingSettingsAreRequired() {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SpectrumTrainingMaster.builder().build());
            assertTrue(e.getMessage().contains("setAveraging"), e.getMessage());
        }

        @Test
        void strategiesThatNeedWorkerObservationsAreRefused() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumTrainingMaster.builder().setAveraging(averaging(2, 1))
                            .optStrategy(SelectionStrategy.gradientNorm()).build());
            assertTrue(e.getMessage().contains("weight-based strategy"), e.getMessage());
        }

        @Test
        void spectrumListenerOnTheWorkersIsRefused() {
            SpectrumTrainingMaster master = SpectrumTrainingMaster.builder().setAveraging(averaging(2, 1)).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> master.setListeners(List.of(SpectrumListener.builder().build())));
            assertTrue(e.getMessage().contains("SpectrumTrainingMaster selects on the driver"), e.getMessage());
        }

        @Test
        void reselectionIntervalMustBePositive() {
            assertThrows(IllegalArgumentException.class,
                    () -> SpectrumTrainingMaster.builder().optReselectEveryRounds(0));
        }
    }

    @Test
    void jsonHoldsTheAveragingSettings() {
        // without training hooks: DL4J cannot read hooks back from JSON
        SpectrumTrainingMaster master = SpectrumTrainingMaster.builder().setAveraging(
                new ParameterAveragingTrainingMaster.Builder(3, BATCH).averagingFrequency(4)).build();
        ParameterAveragingTrainingMaster back = ParameterAveragingTrainingMaster.fromJson(master.toJson());
        assertEquals(4, back.getAveragingFrequency());
        assertEquals(3, back.getNumWorkers());
    }
}
