package ai.spectrum.selection;

import ai.spectrum.analysis.SnrRule;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The options the Spectrum builders share: defaults, checks and the contradictions they report. */
class SelectionOptionsTests {

    @Nested
    class Defaults {
        @Test
        @DisplayName("top 25 %, no minimum SNR, no pattern, seed 42, rule CURRENT")
        void values() {
            SelectionOptions o = new SelectionOptions();
            assertEquals(25, o.topPercent());
            assertEquals(Double.NEGATIVE_INFINITY, o.minSnr());
            assertEquals(List.of(), o.alwaysTrain());
            assertEquals(42, o.seed());
            assertEquals(SnrRule.CURRENT, o.rule());
        }

        @Test
        @DisplayName("without a strategy, the SNR strategy with the rule and the caller's default threads")
        void defaultStrategy() {
            SelectionOptions o = new SelectionOptions();
            assertEquals(SelectionStrategy.snr(SnrRule.CURRENT, 3), o.strategy(3));
            o.rule(SnrRule.REF2024);
            o.analyzerThreads(2);
            assertEquals(SelectionStrategy.snr(SnrRule.REF2024, 2), o.strategy(3), "set threads beat the default");
        }

        @Test
        @DisplayName("a set strategy is returned as is")
        void setStrategy() {
            SelectionOptions o = new SelectionOptions();
            SelectionStrategy lisa = SelectionStrategy.lisa();
            o.strategy(lisa);
            assertSame(lisa, o.strategy(3));
        }

        @Test
        @DisplayName("the selector carries top percentage, minimum SNR and patterns")
        void selector() {
            SelectionOptions o = new SelectionOptions();
            o.topPercent(40);
            o.minSnr(0.5);
            o.alwaysTrain("a.*", "b");
            SpectrumSelector s = o.selector();
            assertEquals(40, s.topPercent());
            assertEquals(0.5, s.minSnr());
            assertEquals(List.of("a.*", "b"), s.alwaysTrain().stream().map(Object::toString).toList());
        }
    }

    @Nested
    class BadInput {
        @Test
        @DisplayName("values out of range are rejected when set, quoting them")
        void ranges() {
            SelectionOptions o = new SelectionOptions();
            assertEquals("top percent must be in (0, 100], got 0.0",
                    assertThrows(IllegalArgumentException.class, () -> o.topPercent(0)).getMessage());
            assertEquals("minimum SNR must not be NaN",
                    assertThrows(IllegalArgumentException.class, () -> o.minSnr(Double.NaN)).getMessage());
            assertEquals("analyzer threads must be ≥ 1, got 0",
                    assertThrows(IllegalArgumentException.class, () -> o.analyzerThreads(0)).getMessage());
            assertThrows(NullPointerException.class, () -> o.alwaysTrain("a", null));
            assertThrows(NullPointerException.class, () -> o.strategy(null));
            assertThrows(NullPointerException.class, () -> o.rule(null));
        }

        @Test
        @DisplayName("rule and threads are ignored with a strategy, named in the order first set")
        void ignoredByStrategy() {
            SelectionOptions o = new SelectionOptions();
            o.analyzerThreads(2);
            o.rule(SnrRule.REF2024);
            o.analyzerThreads(3);
            assertEquals(List.of(), o.ignoredByStrategy(), "consistent without a strategy");
            o.strategy(SelectionStrategy.snr());
            assertEquals(List.of("optAnalyzerThreads", "optRule"), o.ignoredByStrategy());
        }

        @Test
        @DisplayName("a minimum SNR contradicts only a strategy whose scores are not SNRs")
        void minSnrWithoutSnrScores() {
            SelectionOptions o = new SelectionOptions();
            o.strategy(SelectionStrategy.random());
            assertFalse(o.minSnrWithoutSnrScores(), "no minimum set");
            o.minSnr(0.5);
            assertTrue(o.minSnrWithoutSnrScores());
            o.strategy(SelectionStrategy.snr());
            assertFalse(o.minSnrWithoutSnrScores());
        }
    }
}
