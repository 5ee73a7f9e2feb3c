package ai.spectrum.arbiter;

import ai.spectrum.arbiter.TinyProblem.RecordingListenerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpectrumSweepTests {
    static final long SEED = 7;
    static final int BUDGET = 10; // crosses one epoch boundary (6 minibatches per epoch)
    static final double[] LEARNING_RATES = {0.01, 0.1, 0.5};

    static SweepSpace sixCandidateSpace() {
        return SweepSpace.builder()
                .optSpectrum(SpectrumSpace.builder().optTopPercent(Spaces.doubles(25, 50)).build())
                .optHyperparameter("learningRate", Spaces.doubles(LEARNING_RATES))
                .build();
    }

    static SpectrumSweep.Builder sweep(ModelFactory factory, ListenerFactory listeners) {
        return SpectrumSweep.builder()
                .setModelFactory(factory)
                .setListenerFactory(listeners)
                .setTrainingData(TinyProblem::train)
                .setValidationData(TinyProblem::validation)
                .optSpace(sixCandidateSpace())
                .optBudget(TrainingBudget.iterations(BUDGET))
                .optSeed(SEED);
    }

    @Nested
    @DisplayName("A grid sweep of six candidates")
    class GridSweep {
        static SweepResult result;
        static RecordingListenerFactory listeners;

        @BeforeAll
        static void runOnce() {
            listeners = new RecordingListenerFactory();
            result = sweep(TinyProblem::mln, listeners).build().run();
        }

        @Test
        void completesEveryPointOfTheGrid() {
            assertEquals(6, result.candidates().size());
            assertEquals(6, result.completed().size(), () -> "failures: " + result.failed());
            Set<String> points = result.candidates().stream()
                    .map(r -> r.candidate().orElseThrow())
                    .map(c -> c.spectrum().topPercent() + "/" + c.doubleHyperparameter("learningRate"))
                    .collect(Collectors.toSet());
            assertEquals(Set.of("25.0/0.01", "25.0/0.1", "25.0/0.5", "50.0/0.01", "50.0/0.1", "50.0/0.5"), points);
        }

        @Test
        void buildsOneListenerPerCandidateFromItsSpectrumSettings() {
            assertEquals(result.candidates().stream().map(r -> r.candidate().orElseThrow().spectrum()).toList(),
                    listeners.built);
        }

        @Test
        void trainsEachCandidateForExactlyTheIterationBudget() {
            for (CandidateResult r : result.candidates()) {
                assertEquals(BUDGET, r.iterations(), () -> "candidate " + r.index());
            }
            for (int[] count : listeners.iterations) {
                assertEquals(BUDGET, count[0]);
            }
        }

        @Test
        void scoresEqualAnIndependentTrainingOfTheSameConfiguration() {
            for (CandidateResult r : result.candidates()) {
                SweepCandidate c = r.candidate().orElseThrow();
                double expected = TinyProblem.trainAndScoreIndependently(TinyProblem.mln(c, SEED), BUDGET);
                assertEquals(expected, r.score(), 0.0, () -> "candidate " + r.index() + " " + c.asMap());
            }
        }

        @Test
        void picksTheCandidateWithTheLowestValidationLoss() {
            CandidateResult lowest = result.candidates().stream()
                    .min(Comparator.comparingDouble(CandidateResult::score)).orElseThrow();
            assertEquals(lowest.index(), result.best().orElseThrow().index());
            // the learning rate matters, so the choice is not vacuous
            assertTrue(result.candidates().stream().mapToDouble(CandidateResult::score).distinct().count() >= 3);
        }

        @Test
        void isReproducibleWithTheSameSeed() {
            SweepResult again = sweep(TinyProblem::mln, new RecordingListenerFactory()).build().run();
            assertEquals(scores(result), scores(again));
            assertEquals(result.best().orElseThrow().index(), again.best().orElseThrow().index());
        }

        @Test
        void givesTheSameScoresWhenTwoCandidatesTrainAtOnce() {
            SweepResult concurrent = sweep(TinyProblem::mln, new RecordingListenerFactory()).optConcurrency(2)
                    .build().run();
            assertEquals(scores(result), scores(concurrent));
        }

        @Test
        void givesDifferentScoresWithADifferentSeed() {
            SweepResult other = sweep(TinyProblem::mln, new RecordingListenerFactory()).optMaxCandidates(2)
                    .optSeed(SEED + 1).build().run();
            assertEquals(2, other.candidates().size());
            assertNotEquals(scores(result).subList(0, 2), scores(other));
        }

        @Test
        void recordsProvenanceWithSeedAndVersions() {
            Map<String, String> config = result.provenance().configuration();
            assertEquals(Long.toString(SEED), config.get("seed"));
            assertEquals("GRID", config.get("search"));
            assertEquals("1.0.0-beta7", config.get("arbiter.version"));
            assertEquals("1.0.0-beta7", SpectrumSweep.ARBITER_VERSION);
            assertEquals("validation_loss", result.scoreName());
            assertTrue(result.minimize());
        }

        @Test
        void reportsWallClockAndMemoryPerCandidate() {
            // plain SGD keeps no state; the listener stand-in freezes nothing
            for (CandidateResult r : result.candidates()) {
                assertTrue(r.resources().wallClock().toNanos() > 0);
                assertTrue(r.resources().peakHeapBytes() > 0);
                assertTrue(r.resources().peakRssBytes() > r.resources().peakHeapBytes() / 2);
                assertEquals(0, r.resources().updaterStateBytes());
                assertTrue(Double.isFinite(r.trainingLoss()));
            }
        }
    }

    static List<Double> scores(SweepResult r) {
        return r.candidates().stream().map(CandidateResult::score).toList();
    }


    @Nested
    @DisplayName("Failed candidates")
    class Failures {
        @Test
        void aCandidateThatThrowsIsRecordedAsFailedAndTheSweepGoesOn() {
            ModelFactory factory = (c, seed) -> {
                if (c.doubleHyperparameter("learningRate") == 0.1 && c.spectrum().topPercent() == 25) {
                    throw new IllegalStateException("deliberate failure for lr 0.1");
                }
                return TinyProblem.mln(c, seed);
            };
            SweepResult r = sweep(factory, new RecordingListenerFactory()).build().run();
            assertEquals(6, r.candidates().size());
            assertEquals(1, r.failed().size());
            CandidateResult failed = r.failed().get(0);
            assertEquals(CandidateResult.Status.FAILED, failed.status());
            assertEquals("IllegalStateException: deliberate failure for lr 0.1", failed.failure().orElseThrow());
            assertEquals(0.1, failed.candidate().orElseThrow().doubleHyperparameter("learningRate"));
            assertTrue(Double.isNaN(failed.score()));
            assertEquals(5, r.completed().size());
            assertNotEquals(failed.index(), r.best().orElseThrow().index());
        }

        @Test
        void aCandidateWhoseLossBecomesNanIsRecordedAsFailed() {
            ModelFactory factory = (c, seed) -> {
                var net = TinyProblem.mln(c, seed);
                if (c.doubleHyperparameter("learningRate") == 0.5) {
                    net.params().assign(Double.NaN);
                }
                return net;
            };
            SweepResult r = sweep(factory, new RecordingListenerFactory()).build().run();
            assertEquals(2, r.failed().size());
            for (CandidateResult f : r.failed()) {
                assertEquals("training loss became NaN at iteration 0", f.failure().orElseThrow());
                assertEquals(1, f.iterations(), "training stops at the first NaN loss");
            }
            assertEquals(4, r.completed().size());
        }

        @Test
        void aListenerFactoryThatThrowsFailsOnlyThatCandidate() {
            ListenerFactory listeners = (s, seed) -> {
                if (s.topPercent() == 50) {
                    throw new IllegalArgumentException("no listener", new ArithmeticException("root"));
                }
                return new RecordingListenerFactory().create(s, seed);
            };
            SweepResult r = sweep(TinyProblem::mln, listeners).build().run();
            assertEquals(3, r.failed().size());
            assertEquals("IllegalArgumentException: no listener <- caused by ArithmeticException: root",
                    r.failed().get(0).failure().orElseThrow());
        }

        @Test
        void aCandidateArbiterCannotGenerateIsRecordedAsFailed() {
            SweepSpace space = SweepSpace.builder()
                    .optSpectrum(SpectrumSpace.builder().optTopPercent(Spaces.doubles(50, 150)).build())
                    .optHyperparameter("learningRate", Spaces.doubles(0.1))
                    .build();
            SweepResult r = sweep(TinyProblem::mln, new RecordingListenerFactory()).optSpace(space).build().run();
            assertEquals(2, r.candidates().size());
            assertEquals(1, r.completed().size());
            CandidateResult failed = r.failed().get(0);
            assertTrue(failed.candidate().isEmpty());
            assertTrue(failed.failure().orElseThrow().contains("topPercent must be in (0, 100], got 150.0"),
                    failed.failure().orElseThrow());
        }

        @Test
        void anErrorIsRecordedLikeAnException() {
            SweepResult r = sweep((c, seed) -> {
                throw new OutOfMemoryError("simulated: candidate too large");
            }, new RecordingListenerFactory()).optMaxCandidates(1).build().run();
            assertEquals("OutOfMemoryError: simulated: candidate too large",
                    r.failed().get(0).failure().orElseThrow());
        }

        @Test
        void whenEveryCandidateFailsThereIsNoBest() {
            SweepResult r = sweep((c, s) -> {
                throw new IllegalStateException("nope");
            }, new RecordingListenerFactory()).optMaxCandidates(2).build().run();
            assertEquals(2, r.failed().size());
            assertTrue(r.best().isEmpty());
            IllegalStateException e = assertThrows(IllegalStateException.class, r::bestCandidate);
            assertTrue(e.getMessage().contains("nope"), e.getMessage());
        }
    }

    @Nested
    @DisplayName("Other searches, models and scores")
    class Variants {
        @Test
        void randomSearchIsReproducibleWithASeedAndStopsAtMaxCandidates() {
            SweepSpace space = SweepSpace.builder()
                    .optSpectrum(SpectrumSpace.builder()
                            .optTopPercent(new org.deeplearning4j.arbiter.optimize.parameter.continuous
                                    .ContinuousParameterSpace(10, 90))
                            .optMinSnr(Spaces.doubles(Double.NEGATIVE_INFINITY, 0.0)).build())
                    .optHyperparameter("learningRate", Spaces.doubles(0.1))
                    .build();
            SweepResult a = sweep(TinyProblem::mln, new RecordingListenerFactory()).optSpace(space)
                    .optRandomSearch().optMaxCandidates(3).optBudget(TrainingBudget.iterations(2)).build().run();
            SweepResult b = sweep(TinyProblem::mln, new RecordingListenerFactory()).optSpace(space)
                    .optRandomSearch().optMaxCandidates(3).optBudget(TrainingBudget.iterations(2)).build().run();
            assertEquals(3, a.candidates().size());
            List<SweepCandidate> ca = a.candidates().stream().map(r -> r.candidate().orElseThrow()).toList();
            assertEquals(ca, b.candidates().stream().map(r -> r.candidate().orElseThrow()).toList());
            assertEquals(3, ca.stream().map(c -> c.spectrum().topPercent()).distinct().count());
            for (SweepCandidate c : ca) {
                assertTrue(c.spectrum().topPercent() >= 10 && c.spectrum().topPercent() <= 90);
            }
        }

        @Test
        void randomSearchWithoutTerminationIsRejected() {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> sweep(TinyProblem::mln, new RecordingListenerFactory()).optRandomSearch().build());
            assertTrue(e.getMessage().contains("optMaxCandidates"), e.getMessage());
        }

        @Test
        void aTimeLimitShorterThanArbitersFirstPollStartsNoCandidate() {
            // Arbiter's runner polls for one second before it submits the first candidate, then checks termination
            SweepResult r = sweep(TinyProblem::mln, new RecordingListenerFactory())
                    .optMaxDuration(java.time.Duration.ofMillis(1)).build().run();
            assertEquals(0, r.candidates().size());
            assertTrue(r.best().isEmpty());
        }

        @Test
        void leavesNoRunnerThreadBehind() throws InterruptedException {
            long before = runnerThreads();
            sweep(TinyProblem::mln, new RecordingListenerFactory()).optMaxCandidates(1).build().run();
            // executors report termination just before their last worker thread has fully exited
            for (int i = 0; i < 50 && runnerThreads() > before; i++) {
                Thread.sleep(100);
            }
            assertEquals(before, runnerThreads());
        }

        static long runnerThreads() {
            return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                    .map(Thread::getName)
                    .filter(n -> n.startsWith("ArbiterOptimizationRunner-") || n.startsWith("LocalCandidateExecutor-"))
                    .count();
        }

        @Test
        void missingPartsAreNamed() {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SpectrumSweep.builder().build());
            assertEquals("SpectrumSweep is missing setModelFactory, setTrainingData, "
                    + "setValidationData", e.getMessage());
        }

        @Test
        void trainsAComputationGraphToTheSameScoreAsIndependentTraining() {
            SweepResult r = sweep(TinyProblem::graph, new RecordingListenerFactory()).optMaxCandidates(2).build()
                    .run();
            assertEquals(2, r.completed().size(), () -> "failures: " + r.failed());
            for (CandidateResult c : r.candidates()) {
                double expected = TinyProblem.trainAndScoreIndependently(
                        TinyProblem.graph(c.candidate().orElseThrow(), SEED), BUDGET);
                assertEquals(expected, c.score(), 0.0);
                assertEquals(BUDGET, c.iterations());
            }
        }

        @Test
        void anEvaluationMetricIsMaximised() {
            SweepResult r = sweep(TinyProblem::mln, new RecordingListenerFactory())
                    .optScore(SweepScore.metric(Evaluation.Metric.ACCURACY)).build().run();
            assertEquals("accuracy", r.scoreName());
            assertFalse(r.minimize());
            double highest = r.candidates().stream().mapToDouble(CandidateResult::score).max().orElseThrow();
            CandidateResult best = r.best().orElseThrow();
            assertEquals(highest, best.score());
            assertEquals(r.candidates().stream().filter(c -> c.score() == highest).findFirst().orElseThrow().index(),
                    best.index(), "ties go to the lowest index");
            for (CandidateResult c : r.candidates()) {
                assertTrue(c.score() >= 0 && c.score() <= 1);
            }
        }
    }
}
