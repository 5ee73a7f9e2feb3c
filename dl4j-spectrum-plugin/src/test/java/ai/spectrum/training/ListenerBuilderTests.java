package ai.spectrum.training;

import ai.spectrum.analysis.SnrRule;
import ai.spectrum.selection.SelectionStrategy;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** build() rejects options that would silently be ignored, naming them. */
class ListenerBuilderTests {

    @Test
    @DisplayName("optRule and optAnalyzerThreads are rejected together with optStrategy, both named")
    void snrOptionsWithStrategy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpectrumListener.builder()
                .optRule(SnrRule.REF2024).optAnalyzerThreads(2).optStrategy(SelectionStrategy.snr()).build());
        assertEquals("optRule and optAnalyzerThreads configure the default SNR strategy and would be ignored with "
                + "optStrategy(snr); pass them to SelectionStrategy.snr(rule, threads) instead", e.getMessage());
    }

    @Test
    @DisplayName("optMinSnr is rejected with a strategy whose scores are not SNRs")
    void minSnrWithNonSnrStrategy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpectrumListener.builder()
                .optMinSnr(0.5).optStrategy(SelectionStrategy.random()).build());
        assertEquals("optMinSnr applies to SNR scores only, but strategy 'random' does not score by SNR; drop "
                + "optMinSnr or use SelectionStrategy.snr()", e.getMessage());
    }

    @Test
    @DisplayName("consistent options build")
    void consistentOptions() {
        assertDoesNotThrow(() -> SpectrumListener.builder().optRule(SnrRule.REF2024).optAnalyzerThreads(2)
                .optMinSnr(0.5).build());
        assertDoesNotThrow(() -> SpectrumListener.builder().optMinSnr(0.5)
                .optStrategy(SelectionStrategy.snr(SnrRule.REF2024, 2)).build());
        assertDoesNotThrow(() -> SpectrumListener.builder().optStrategy(SelectionStrategy.lisa()).build());
    }
}
