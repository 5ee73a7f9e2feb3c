package ai.spectrum.spark;

import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cost of Spectrum on Spark, measured on {@code local[2]}: time per averaging round and bytes of the broadcast
 * {@link NetBroadcastTuple} (configuration, parameters, updater state, serialized with Spark's configured serializer)
 * for plain parameter averaging and for {@link SpectrumTrainingMaster} (with DL4J's and with Spectrum's compact
 * gradient on the workers), and the length of a worker's gradient array. Not part of the default test run:
 * <pre>
 * mvn -B -o -q verify -pl spark-integration -am -Dtest=SparkCostBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     [-Dspectrum.bench.width=256 -Dspectrum.bench.layers=8 -Dspectrum.bench.rounds=8 -Dspectrum.bench.repeats=3]
 * </pre>
 * Both configurations run in the same JVM, alternately, after one warm-up fit each; the median fit is reported.
 */
class SparkCostBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(SparkCostBenchmark.class);
    private static final int WORKERS = 2;
    private static final int BATCH = 32;
    private static final int FREQUENCY = 2;

    @Test
    void measure() {
        int width = Integer.getInteger("spectrum.bench.width", 256);
        int layers = Integer.getInteger("spectrum.bench.layers", 8);
        int rounds = Integer.getInteger("spectrum.bench.rounds", 8);
        int repeats = Integer.getInteger("spectrum.bench.repeats", 3);
        List<DataSet> data = TestNets.minibatches(rounds * WORKERS * FREQUENCY, BATCH, width, 1);
        JavaRDD<DataSet> rdd = LocalSpark.context().parallelize(data, WORKERS).cache();
        rdd.count();

        List<Double> plainMs = new ArrayList<>();
        List<Double> spectrumMs = new ArrayList<>();
        List<Double> driverMs = new ArrayList<>();
        List<Double> compactMs = new ArrayList<>();
        long plainBytes = 0;
        long spectrumBytes = 0;
        long params = 0;
        long plainState = 0;
        long spectrumState = 0;
        ComputationGraph lastSpectrum = null;
        for (int rep = 0; rep <= repeats; rep++) {
            ComputationGraph plain = TestNets.wideGraph(7, width, layers);
            double ms = fitMillis(plain, averaging().build(), rdd) / rounds;
            ComputationGraph spectrum = TestNets.wideGraph(7, width, layers);
            SpectrumTrainingMaster master = SpectrumTrainingMaster.builder().setAveraging(averaging()).build();
            double sms = fitMillis(spectrum, master, rdd) / rounds;
            ComputationGraph compact = TestNets.wideGraph(7, width, layers);
            double cms = fitMillis(compact, SpectrumTrainingMaster.builder().setAveraging(averaging())
                    .optCompactWorkerGradient(true).build(), rdd) / rounds;
            if (rep == 0) {
                continue; // warm-up
            }
            plainMs.add(ms);
            spectrumMs.add(sms);
            compactMs.add(cms);
            driverMs.add(master.driverNanos() / 1e6 / rounds);
            plainBytes = broadcastBytes(plain);
            spectrumBytes = broadcastBytes(spectrum);
            params = plain.numParams();
            plainState = plain.getUpdater().getStateViewArray().length();
            spectrumState = spectrum.getUpdater().getStateViewArray().length();
            lastSpectrum = spectrum;
        }
        LOG.info("Spark cost on local[{}]: {} dense layers of width {} ({} parameters), batch {} per worker, "
                        + "averaging every {} minibatches, {} rounds per fit, median of {} fits",
                WORKERS, layers, width, params, BATCH, FREQUENCY, rounds, repeats);
        long compactGradient = compactWorkerGradientLength(lastSpectrum);
        LOG.info("| configuration | ms per round | Spectrum driver ms per round | updater state elements | "
                + "broadcast bytes | worker gradient elements |");
        LOG.info("| plain parameter averaging | {} | - | {} | {} | {} |", fmt(median(plainMs)), plainState, plainBytes,
                params);
        LOG.info("| Spectrum top 25%, re-selection every round | {} | {} | {} | {} | {} |", fmt(median(spectrumMs)),
                fmt(median(driverMs)), spectrumState, spectrumBytes, params);
        LOG.info("| the same with optCompactWorkerGradient(true) | {} | - | {} | {} | {} |", fmt(median(compactMs)),
                spectrumState, spectrumBytes, compactGradient);
        LOG.info("broadcast ratio Spectrum/plain = {}", String.format("%.3f", (double) spectrumBytes / plainBytes));
        assertTrue(spectrumBytes < plainBytes, "Spectrum broadcasts less optimizer state");
    }

    private static ParameterAveragingTrainingMaster.Builder averaging() {
        return new ParameterAveragingTrainingMaster.Builder(WORKERS, BATCH).batchSizePerWorker(BATCH)
                .averagingFrequency(FREQUENCY).saveUpdater(true).rddTrainingApproach(RDDTrainingApproach.Direct)
                .rngSeed(3);
    }

    private static double fitMillis(ComputationGraph net, TrainingMaster<?, ?> master, JavaRDD<DataSet> rdd) {
        SparkComputationGraph sparkNet = new SparkComputationGraph(LocalSpark.context(), net, master);
        long t0 = System.nanoTime();
        sparkNet.fit(rdd);
        return (System.nanoTime() - t0) / 1e6;
    }

    /** What {@code getWorkerInstance} broadcasts for the network as it is now, as Spark serializes it. */
    private static long broadcastBytes(ComputationGraph net) {
        NetBroadcastTuple tuple = new NetBroadcastTuple(net.getConfiguration(), net.params(),
                net.getUpdater().getStateViewArray());
        return SparkEnv.get().serializer().newInstance()
                .serialize(tuple, scala.reflect.ClassTag$.MODULE$.apply(NetBroadcastTuple.class)).remaining();
    }

    /** A worker's copy of the network, as DL4J builds it, switched to the compact gradient: its gradient length. */
    private static long compactWorkerGradientLength(ComputationGraph driver) {
        ComputationGraph worker = new ComputationGraph(driver.getConfiguration().clone());
        worker.init(driver.params().dup(), false);
        DriverSelection.installCompactGradient(worker);
        return worker.getFlattenedGradients().length();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static String fmt(double v) {
        return String.format("%.1f", v);
    }
}
