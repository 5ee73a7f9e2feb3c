package ai.spectrum.arbiter;

import ai.spectrum.selection.SelectionStrategy;
import ai.spectrum.training.SpectrumListener;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One point of Spectrum's setting space: what a sweep candidate asks of the Spectrum listener.
 *
 * @param topPercent    percentage of modules per type kept trainable, in (0, 100]
 * @param minSnr        modules with a lower SNR are never selected; {@code -∞} for no threshold; not NaN
 * @param reselectEvery re-selection interval, at least 1
 * @param reselectUnit  what {@code reselectEvery} counts
 * @param strategy      selection strategy name, one of {@link #STRATEGIES}
 * @param alwaysTrain   regular expressions over module names that always train (e.g. the output layer); unmodifiable
 */
public record SpectrumSettings(double topPercent, double minSnr, int reselectEvery, ReselectUnit reselectUnit,
                               String strategy, List<String> alwaysTrain) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Strategy names accepted by {@link #strategy()}, matching the listener's {@code SelectionStrategy} factories. */
    public static final List<String> STRATEGIES =
            List.of("snr", "random", "gradient-norm", "activation-norm", "first-k", "last-k", "lisa");

    /** What the re-selection interval counts. */
    public enum ReselectUnit {
        /** Training iterations (minibatches). */
        ITERATIONS,
        /** Epochs ({@code fit(iterator)} calls). */
        EPOCHS
    }

    /** @throws IllegalArgumentException naming the first setting out of range */
    public SpectrumSettings {
        if (!(topPercent > 0 && topPercent <= 100)) {
            throw new IllegalArgumentException("topPercent must be in (0, 100], got " + topPercent);
        }
        if (Double.isNaN(minSnr)) {
            throw new IllegalArgumentException("minSnr must not be NaN (use -Infinity for no threshold)");
        }
        if (reselectEvery < 1) {
            throw new IllegalArgumentException("reselectEvery must be >= 1, got " + reselectEvery);
        }
        Objects.requireNonNull(reselectUnit, "reselectUnit");
        Objects.requireNonNull(strategy, "strategy");
        if (!STRATEGIES.contains(strategy)) {
            throw new IllegalArgumentException("unknown strategy '" + strategy + "', expected one of " + STRATEGIES);
        }
        alwaysTrain = List.copyOf(alwaysTrain);
    }

    /** Settings without always-train patterns. */
    public SpectrumSettings(double topPercent, double minSnr, int reselectEvery, ReselectUnit reselectUnit,
                            String strategy) {
        this(topPercent, minSnr, reselectEvery, reselectUnit, strategy, List.of());
    }

    /** Spectrum's defaults: top 25 %, no SNR threshold, re-select every epoch, SNR strategy. */
    public static SpectrumSettings defaults() {
        return new SpectrumSettings(25, Double.NEGATIVE_INFINITY, 1, ReselectUnit.EPOCHS, "snr");
    }

    /** The listener these settings describe, with the listener's default seed for random strategies. */
    public SpectrumListener toListener() {
        return toListener(42);
    }

    /**
     * The listener these settings describe.
     *
     * @param seed seed for the random and LISA strategies
     */
    public SpectrumListener toListener(long seed) {
        SpectrumListener.Builder b = SpectrumListener.builder()
                .optTopPercent(topPercent)
                .optSeed(seed)
                .optAlwaysTrain(alwaysTrain.toArray(String[]::new));
        if (reselectUnit == ReselectUnit.ITERATIONS) {
            b.optReselectEveryIterations(reselectEvery);
        } else {
            b.optReselectEveryEpochs(reselectEvery);
        }
        if (strategy.equals("snr")) {
            b.optMinSnr(minSnr);
        } else {
            b.optStrategy(selectionStrategy()); // the minimum SNR applies to SNR scores only
        }
        return b.build();
    }

    /** The named {@link SelectionStrategy}. */
    public SelectionStrategy selectionStrategy() {
        return switch (strategy) {
            case "snr" -> SelectionStrategy.snr();
            case "random" -> SelectionStrategy.random();
            case "gradient-norm" -> SelectionStrategy.gradientNorm();
            case "activation-norm" -> SelectionStrategy.activationNorm();
            case "first-k" -> SelectionStrategy.firstK();
            case "last-k" -> SelectionStrategy.lastK();
            case "lisa" -> SelectionStrategy.lisa();
            default -> throw new IllegalStateException("unknown strategy " + strategy);
        };
    }

    /** The settings as ordered name/value strings (for reports and provenance). */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("topPercent", Double.toString(topPercent));
        m.put("minSnr", Double.toString(minSnr));
        m.put("reselectEvery", Integer.toString(reselectEvery));
        m.put("reselectUnit", reselectUnit.name());
        m.put("strategy", strategy);
        m.put("alwaysTrain", String.join(" ", alwaysTrain));
        return m;
    }
}
