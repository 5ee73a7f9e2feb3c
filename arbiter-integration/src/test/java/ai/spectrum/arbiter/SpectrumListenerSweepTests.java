package ai.spectrum.arbiter;

import ai.spectrum.training.SelectionEvent;
import ai.spectrum.training.SpectrumListener;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("A sweep with the real Spectrum listener")
class SpectrumListenerSweepTests {
    static final long SEED = 11;
    static final int BUDGET = 12; // two full epochs: the initial selection and a re-selection at each epoch end

    /** Four dense modules of type "dense" (block.N.dense) and an output layer "out". */
    static MultiLayerNetwork deep(SweepCandidate c, long seed) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER)
                .updater(new Adam(c.doubleHyperparameter("learningRate"))).list();
        for (int i = 0; i < 4; i++) {
            b.layer(new DenseLayer.Builder().name("block." + i + ".dense").nIn(i == 0 ? 4 : 16).nOut(16)
                    .activation(Activation.TANH).build());
        }
        b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(16).nOut(3)
                .activation(Activation.SOFTMAX).build());
        MultiLayerConfiguration conf = b.build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static final Map<Integer, SpectrumListener> LISTENERS = new ConcurrentHashMap<>();
    static SweepResult result;

    static SpectrumSweep.Builder sweep(ListenerFactory listeners) {
        return SpectrumSweep.builder()
                .setModelFactory(SpectrumListenerSweepTests::deep)
                .setListenerFactory(listeners)
                .setTrainingData(TinyProblem::train)
                .setValidationData(TinyProblem::validation)
                .optSpace(SweepSpace.builder()
                        .optSpectrum(SpectrumSpace.builder().optTopPercent(Spaces.doubles(25, 50, 100))
                                .optAlwaysTrain("^out$").build())
                        .optHyperparameter("learningRate", Spaces.doubles(0.01, 0.05))
                        .build())
                .optBudget(TrainingBudget.iterations(BUDGET))
                .optSeed(SEED);
    }

    @BeforeAll
    static void runOnce() {
        List<SpectrumListener> built = new java.util.concurrent.CopyOnWriteArrayList<>();
        result = sweep((s, seed) -> {
            SpectrumListener l = s.toListener(seed);
            built.add(l);
            return l;
        }).build().run();
        for (int i = 0; i < built.size(); i++) {
            LISTENERS.put(i, built.get(i)); // one candidate at a time, so build order is index order
        }
    }

    static int denseModules(double topPercent) {
        return (int) (4 * topPercent / 100);
    }

    @Test
    void everyCandidateTrainsExactlyItsTopPercentOfDenseModulesPlusTheOutput() {
        assertEquals(6, result.completed().size(), () -> "failures: " + result.failed());
        for (CandidateResult r : result.candidates()) {
            double top = r.candidate().orElseThrow().spectrum().topPercent();
            List<SelectionEvent> history = LISTENERS.get(r.index()).history();
            assertEquals(3, history.size(), "initial selection plus one at each of the two epoch ends");
            for (SelectionEvent e : history) {
                assertTrue(e.selected().contains("out"));
                assertEquals(denseModules(top), e.selected().stream().filter(m -> m.endsWith(".dense")).count(),
                        () -> "top " + top + "% selected " + e.selected());
            }
        }
    }

    @Test
    void theUpdaterStateHoldsAdamsTwoFloatsPerParameterOfTheFinallySelectedModules() {
        for (CandidateResult r : result.candidates()) {
            List<SelectionEvent> history = LISTENERS.get(r.index()).history();
            long trained = history.get(history.size() - 1).selected().stream()
                    .mapToLong(SpectrumListenerSweepTests::parameters).sum();
            assertEquals(2 * 4 * trained, r.resources().updaterStateBytes(), () -> "candidate " + r.index());
        }
    }

    /** Weights and biases of a module of {@link #deep}. */
    static long parameters(String module) {
        return switch (module) {
            case "block.0.dense" -> 4 * 16 + 16;
            case "out" -> 16 * 3 + 3;
            default -> 16 * 16 + 16;
        };
    }

    @Test
    void theTopPercentChangesTheValidationScore() {
        for (double lr : new double[] {0.01, 0.05}) {
            List<Double> scores = result.candidates().stream()
                    .filter(r -> r.candidate().orElseThrow().doubleHyperparameter("learningRate") == lr)
                    .map(CandidateResult::score).distinct().toList();
            assertEquals(3, scores.size(), "scores for lr " + lr + ": " + scores);
        }
    }

    @Test
    void isReproducibleWithTheRealListener() {
        SweepResult again = sweep(ListenerFactory.spectrum()).optMaxCandidates(3).build().run();
        assertEquals(result.candidates().subList(0, 3).stream().map(CandidateResult::score).toList(),
                again.candidates().stream().map(CandidateResult::score).toList());
    }

    @Test
    void theBestCandidateBecomesAListenerInOneCall() {
        SweepCandidate best = result.bestCandidate();
        SpectrumListener listener = result.bestListener();
        MultiLayerNetwork net = deep(best, SEED);
        net.addListeners(listener);
        net.fit(TinyProblem.train());
        assertFalse(listener.history().isEmpty());
        SelectionEvent first = listener.history().get(0);
        assertEquals(LISTENERS.get(result.best().orElseThrow().index()).history().get(0).selected(),
                first.selected(), "same settings, same initial weights: same selection as in the sweep");
        assertEquals(denseModules(best.spectrum().topPercent()) + 1, first.selected().size());
    }

    @Test
    void aThresholdThatLeavesNothingToTrainFailsThatCandidateOnly() {
        SweepResult r = SpectrumSweep.builder()
                .setModelFactory(SpectrumListenerSweepTests::deep)
                .setTrainingData(TinyProblem::train)
                .setValidationData(TinyProblem::validation)
                .optSpace(SweepSpace.builder()
                        .optSpectrum(SpectrumSpace.builder().optTopPercent(Spaces.doubles(50))
                                .optMinSnr(Spaces.doubles(Double.NEGATIVE_INFINITY, 1e12)).build())
                        .optHyperparameter("learningRate", Spaces.doubles(0.01))
                        .build())
                .optBudget(TrainingBudget.iterations(3))
                .optSeed(SEED)
                .build().run();
        assertEquals(2, r.candidates().size());
        assertTrue(r.candidates().get(0).isCompleted(), () -> String.valueOf(r.candidates().get(0).failure()));
        CandidateResult failed = r.candidates().get(1);
        assertFalse(failed.isCompleted());
        assertTrue(failed.failure().orElseThrow().contains("Spectrum selected no module to train"),
                failed.failure().orElseThrow());
        assertNotEquals(1, r.best().orElseThrow().index());
    }
}
