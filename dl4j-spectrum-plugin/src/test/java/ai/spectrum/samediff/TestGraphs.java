package ai.spectrum.samediff;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Small SameDiff graphs for the tests: four gated blocks {@code block.i} with a {@code dense} and a {@code gate}
 * matrix (types {@code dense/kernel}, {@code gate/kernel}), their biases, a matrix-free {@code norm/gain} per block,
 * and a {@code head}; Adam with L2 and decoupled weight decay; mean squared error.
 */
final class TestGraphs {
    static final int WIDTH = 8;
    static final int OUT = 3;
    static final int BLOCKS = 4;

    private TestGraphs() {
    }

    /** A graph with deterministic weights (from the seed), ready to train. */
    static SameDiff gated(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("in", DataType.FLOAT, -1, WIDTH);
        SDVariable label = sd.placeHolder("label", DataType.FLOAT, -1, OUT);
        SDVariable h = in;
        for (int i = 0; i < BLOCKS; i++) {
            String p = "block." + i + ".";
            SDVariable dense = sd.var(p + "dense/kernel", random(rnd, WIDTH, WIDTH));
            SDVariable bias = sd.var(p + "dense/bias", random(rnd, WIDTH));
            SDVariable gate = sd.var(p + "gate/kernel", random(rnd, WIDTH, WIDTH));
            SDVariable gain = sd.var(p + "norm/gain", Nd4j.ones(DataType.FLOAT, WIDTH));
            h = sd.nn.tanh(h.mmul(dense).add(bias)).mul(sd.nn.sigmoid(h.mmul(gate))).mul(gain);
        }
        SDVariable out = h.mmul(sd.var("head/kernel", random(rnd, WIDTH, OUT))).add(sd.var("head/bias",
                random(rnd, OUT)));
        sd.loss.meanSquaredError("loss", label, out, null);
        sd.setTrainingConfig(TrainingConfig.builder()
                .updater(new Adam(1e-2))
                .regularization(new L2Regularization(1e-3), new WeightDecay(1e-3, true)) // .l2 and .weightDecay
                                                                                         // would drop each other
                .dataSetFeatureMapping("in")
                .dataSetLabelMapping("label")
                .minimize("loss")
                .build());
        return sd;
    }

    static INDArray random(SplittableRandom rnd, long... shape) {
        INDArray a = Nd4j.create(DataType.FLOAT, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, rnd.nextDouble(-0.6, 0.6));
        }
        return a;
    }

    /** Deterministic minibatches of 5 examples. */
    static List<MultiDataSet> batches(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<MultiDataSet> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new MultiDataSet(random(rnd, 5, WIDTH), random(rnd, 5, OUT)));
        }
        return out;
    }

    /** Copies of every floating-point variable and constant array of a graph, by name. */
    static Map<String, INDArray> snapshot(SameDiff sd) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (SDVariable v : sd.variables()) {
            if (v.getArr() != null && v.dataType().isFPType() && v.getVariableType() != org.nd4j.autodiff.samediff
                    .VariableType.PLACEHOLDER && v.getVariableType() != org.nd4j.autodiff.samediff.VariableType.ARRAY) {
                out.put(v.name(), v.getArr().dup());
            }
        }
        return out;
    }

    /** Copies of the updater state arrays of each trainable variable. */
    static Map<String, Map<String, INDArray>> updaterState(SameDiff sd) {
        Map<String, Map<String, INDArray>> out = new LinkedHashMap<>();
        if (sd.getUpdaterMap() == null) {
            return out;
        }
        sd.getUpdaterMap().forEach((name, u) -> {
            Map<String, INDArray> state = new LinkedHashMap<>();
            @SuppressWarnings("unchecked")
            Map<String, INDArray> live = (Map<String, INDArray>) u.getState();
            live.forEach((k, a) -> state.put(k, a.dup()));
            out.put(name, state);
        });
        return out;
    }
}
