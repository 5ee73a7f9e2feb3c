package ai.spectrum.arbiter;

import ai.spectrum.arbiter.SpectrumSettings.ReselectUnit;
import ai.spectrum.selection.SelectionStrategy;
import ai.spectrum.training.ReselectionSchedule;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsAndSpacesTests {
    @Nested
    class Settings {
        @ParameterizedTest
        @ValueSource(doubles = {0, -1, 100.5, Double.NaN})
        void rejectsATopPercentOutsideZeroToHundred(double top) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new SpectrumSettings(top, 0, 1, ReselectUnit.EPOCHS, "snr"));
            assertEquals("topPercent must be in (0, 100], got " + top, e.getMessage());
        }

        @Test
        void rejectsNanThresholdsZeroIntervalsAndUnknownStrategies() {
            assertThrows(IllegalArgumentException.class,
                    () -> new SpectrumSettings(25, Double.NaN, 1, ReselectUnit.EPOCHS, "snr"));
            assertThrows(IllegalArgumentException.class,
                    () -> new SpectrumSettings(25, 0, 0, ReselectUnit.EPOCHS, "snr"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new SpectrumSettings(25, 0, 1, ReselectUnit.EPOCHS, "largest"));
            assertTrue(e.getMessage().startsWith("unknown strategy 'largest', expected one of [snr, random"));
        }

        @Test
        void everyStrategyNameMapsToTheListenerStrategyOfTheSameName() {
            for (String name : SpectrumSettings.STRATEGIES) {
                SelectionStrategy s = new SpectrumSettings(25, 0, 1, ReselectUnit.EPOCHS, name).selectionStrategy();
                assertEquals(name, s.name());
            }
        }

        @Test
        void buildsAListenerWithTheScheduleAndStrategyAsked() {
            var listener = new SpectrumSettings(50, 0, 7, ReselectUnit.ITERATIONS, "lisa").toListener(3);
            assertEquals("lisa", listener.strategy().name());
            assertEquals(ReselectionSchedule.everyIterations(7), listener.schedule());
            var defaults = SpectrumSettings.defaults().toListener();
            assertEquals("snr", defaults.strategy().name());
            assertEquals(ReselectionSchedule.everyEpochs(1), defaults.schedule());
        }

        @Test
        void survivesJavaSerializationAsArbiterRequires() throws IOException, ClassNotFoundException {
            SweepCandidate c = new SweepCandidate(new SpectrumSettings(25, Double.NEGATIVE_INFINITY, 2,
                    ReselectUnit.ITERATIONS, "random", List.of("^out$")), Map.of("learningRate", 0.1));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(c);
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                assertEquals(c, in.readObject());
            }
        }
    }

    @Nested
    class Spaces_ {
        @Test
        void oneValueBecomesAFixedValueAndSeveralADiscreteSpace() {
            assertInstanceOf(FixedValue.class, Spaces.doubles(1.0));
            assertInstanceOf(DiscreteParameterSpace.class, Spaces.ints(1, 2));
            assertThrows(IllegalArgumentException.class, Spaces::doubles);
        }

        @Test
        void aOneValuedDiscreteSpaceIsRejectedBecauseArbitersGridMisindexesIt() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumSpace.builder().optTopPercent(new DiscreteParameterSpace<>(25.0)));
            assertTrue(e.getMessage().contains("'topPercent'"), e.getMessage());
        }

        @Test
        void hyperparameterNamesMustBeNewAndNotSpectrums() {
            SweepSpace.Builder b = SweepSpace.builder().optHyperparameter("lr", Spaces.doubles(0.1, 0.2));
            assertThrows(IllegalArgumentException.class, () -> b.optHyperparameter("lr", Spaces.doubles(0.3)));
            assertThrows(IllegalArgumentException.class, () -> b.optHyperparameter("topPercent", Spaces.doubles(1)));
            assertThrows(IllegalArgumentException.class, () -> b.optHyperparameter(" ", Spaces.doubles(1)));
        }

        @Test
        void aGridOverTheCombinedSpaceIsTheCartesianProduct() {
            SweepSpace space = SweepSpace.builder()
                    .optSpectrum(SpectrumSpace.builder().optTopPercent(Spaces.doubles(10, 20))
                            .optStrategy(Spaces.values("snr", "random", "lisa"))
                            .optReselectEvery(Spaces.ints(5))
                            .optReselectUnit(Spaces.values(ReselectUnit.ITERATIONS)).build())
                    .optHyperparameter("lr", Spaces.doubles(0.1, 0.01))
                    .build();
            assertEquals(3, space.numParameters());
            GridSearchCandidateGenerator grid = new GridSearchCandidateGenerator(space, 3,
                    GridSearchCandidateGenerator.Mode.Sequential, null);
            assertEquals(12, grid.getTotalNumCandidates());
            List<String> seen = new ArrayList<>();
            while (grid.hasMoreCandidates()) {
                SweepCandidate c = (SweepCandidate) grid.getCandidate().getValue();
                assertEquals(5, c.spectrum().reselectEvery());
                assertEquals(ReselectUnit.ITERATIONS, c.spectrum().reselectUnit());
                seen.add(c.spectrum().topPercent() + "/" + c.spectrum().strategy() + "/" + c.hyperparameter("lr"));
            }
            assertEquals(12, seen.stream().distinct().count(), seen::toString);
        }
    }

    @Nested
    class Budget {
        @Test
        void anIterationBudgetIsUsedUpAtExactlyItsCount() {
            TrainingBudget b = TrainingBudget.iterations(5);
            assertFalse(b.exhausted(4, Long.MAX_VALUE));
            assertTrue(b.exhausted(5, 0));
        }

        @Test
        void aTimeBudgetIsUsedUpWhenItsDurationHasPassed() {
            TrainingBudget b = TrainingBudget.time(Duration.ofSeconds(2));
            assertFalse(b.exhausted(1_000_000, 1_999_999_999L));
            assertTrue(b.exhausted(0, 2_000_000_000L));
        }

        @Test
        void bothLimitsStopAtWhicheverComesFirst() {
            TrainingBudget b = TrainingBudget.of(10, Duration.ofSeconds(1));
            assertTrue(b.exhausted(10, 0));
            assertTrue(b.exhausted(0, 1_000_000_000L));
            assertFalse(b.exhausted(9, 999_999_999L));
            assertEquals("10 iterations or PT1S", b.toString());
        }

        @Test
        void anUnboundedOrEmptyBudgetIsRejected() {
            assertThrows(IllegalArgumentException.class, () -> new TrainingBudget(Long.MAX_VALUE, null));
            assertThrows(IllegalArgumentException.class, () -> TrainingBudget.iterations(0));
            assertThrows(IllegalArgumentException.class, () -> TrainingBudget.time(Duration.ZERO));
        }
    }
}
