package ai.spectrum.selection;

import ai.spectrum.analysis.ModuleScore;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpectrumSelectorTests {
    private static ModuleScore s(String name, String type, double snr) {
        return ModuleScore.ofValue(name, type, snr);
    }

    private static Selection select(double percent, List<ModuleScore> scores) {
        return SpectrumSelector.builder().optTopPercent(percent).build().select(scores);
    }

    @Nested
    @DisplayName("ranking")
    class Ranking {
        @Test
        void infinityRanksFirstAndNaNLastAndIsNeverSelected() {
            Selection sel = select(100, List.of(s("a", "t", 1), s("b", "t", Double.NaN),
                    s("c", "t", Double.POSITIVE_INFINITY), s("d", "t", 2)));
            TypeGroup g = sel.groups().get(0);
            assertEquals(List.of("c", "d", "a", "b"), g.ranked().stream().map(ModuleScore::name).toList());
            assertEquals(List.of("c", "d", "a"), g.selected());
        }

        @Test
        void tiesKeepModelOrder() {
            Selection sel = select(50, List.of(s("x", "t", 1), s("y", "t", 3), s("z", "t", 1), s("w", "t", 3)));
            assertEquals(List.of("y", "w", "x", "z"),
                    sel.groups().get(0).ranked().stream().map(ModuleScore::name).toList());
            assertEquals(Set.of("y", "w"), sel.trainable());
        }

        @Test
        void groupsFollowTheFirstAppearanceOfEachType() {
            Selection sel = select(100, List.of(s("1", "b", 1), s("2", "a", 1), s("3", "b", 1)));
            assertEquals(List.of("b", "a"), sel.groups().stream().map(TypeGroup::type).toList());
        }

        @Test
        void countsTruncateAsPythonsInt() {
            // 7 modules at 25% → int(1.75) = 1; 3 modules at 50% → int(1.5) = 1
            List<ModuleScore> scores = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                scores.add(s("q" + i, "q", i));
            }
            for (int i = 0; i < 3; i++) {
                scores.add(s("k" + i, "k", i));
            }
            assertEquals(1, select(25, scores).groups().get(0).selected().size());
            assertEquals(1, select(50, scores).groups().get(1).selected().size());
            assertEquals(0, select(10, scores).groups().get(1).selected().size());
        }
    }

    @Nested
    @DisplayName("options")
    class Options {
        @Test
        void minimumSnrDropsWeakModulesFromTheTopK() {
            Selection sel = SpectrumSelector.builder().optTopPercent(100).optMinSnr(1.5).build()
                    .select(List.of(s("a", "t", 1), s("b", "t", 2)));
            assertEquals(Set.of("b"), sel.trainable());
        }

        @Test
        void alwaysTrainAddsMatchingModulesRegardlessOfScore() {
            Selection sel = SpectrumSelector.builder().optTopPercent(50).optAlwaysTrain("emb.*").build()
                    .select(List.of(s("a", "t", 1), s("b", "t", 2), s("emb", "e", Double.NaN)));
            assertEquals(List.of("b", "emb"), List.copyOf(sel.trainable()));
        }

        @Test
        void alwaysTrainPatternThatMatchesNothingIsAnError() {
            SpectrumSelector sel = SpectrumSelector.builder().optAlwaysTrain("lm_head").build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sel.select(List.of(s("a", "t", 1))));
            assertTrue(e.getMessage().contains("'lm_head'"), e.getMessage());
        }

        @ParameterizedTest
        @ValueSource(doubles = {0, -5, 100.0001, Double.NaN})
        void percentOutsideZeroToHundredIsRejectedWithTheValue(double p) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumSelector.builder().optTopPercent(p));
            assertTrue(e.getMessage().contains(String.valueOf(p)), e.getMessage());
        }

        @Test
        void invalidRegexIsRejectedWithThePattern() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumSelector.builder().optAlwaysTrain("a[b"));
            assertTrue(e.getMessage().contains("'a[b'"), e.getMessage());
        }

        @Test
        void noScoresIsAnError() {
            assertThrows(IllegalArgumentException.class, () -> select(25, List.of()));
        }
    }

    @Property(tries = 200)
    void eachTypeKeepsTruncatedPercentOfItsModulesAndOnlyItsBest(
            @ForAll @Size(min = 1, max = 60) List<@IntRange(min = 0, max = 4) Integer> types,
            @ForAll @DoubleRange(min = 0.5, max = 100) double percent, @ForAll long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        List<ModuleScore> scores = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            scores.add(s("m" + i, "t" + types.get(i), rnd.nextInt(5)));
        }
        Selection sel = select(percent, scores);
        for (TypeGroup g : sel.groups()) {
            assertEquals((int) (g.ranked().size() * percent / 100), g.selected().size(), g.type());
            double weakestSelected = g.selected().stream().mapToDouble(n -> scores.stream()
                    .filter(x -> x.name().equals(n)).findFirst().orElseThrow().snr()).min().orElse(Double.MAX_VALUE);
            for (ModuleScore m : g.ranked()) {
                if (!g.selected().contains(m.name())) {
                    assertTrue(m.snr() <= weakestSelected, m + " beats a selected module");
                }
            }
        }
    }
}
