package ai.spectrum.selection;

import ai.spectrum.analysis.ModuleScore;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Spectrum's selection rule, exactly as the original tool applies it: group modules by type (in order of first
 * appearance), sort each group by SNR descending with a stable sort (+∞ first, ties keep model order), and keep
 * {@code int(len(group) * topPercent / 100)} modules. Additionally NaN scores are never selected, an optional
 * minimum SNR drops weak modules, and always-train patterns add modules regardless of score.
 *
 * <pre>{@code
 * Selection s = SpectrumSelector.builder().optTopPercent(25).build().select(scan.scores());
 * }</pre>
 */
public final class SpectrumSelector {
    /** Descending SNR, NaN last; equal values compare equal so the stable sort keeps model order. */
    public static final Comparator<ModuleScore> BY_SNR_DESCENDING = (a, b) -> descending(a.snr(), b.snr());

    private final double topPercent;
    private final double minSnr;
    private final List<Pattern> alwaysTrain;

    private SpectrumSelector(Builder b) {
        this.topPercent = b.topPercent;
        this.minSnr = b.minSnr;
        this.alwaysTrain = List.copyOf(b.alwaysTrain);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The configured percentage. */
    public double topPercent() {
        return topPercent;
    }

    /** The configured minimum SNR ({@code -∞} when none). */
    public double minSnr() {
        return minSnr;
    }

    /** The configured always-train patterns. */
    public List<Pattern> alwaysTrain() {
        return alwaysTrain;
    }

    /**
     * Selects modules.
     *
     * @param scores the scores in model order
     * @throws IllegalArgumentException if there are no scores, or an always-train pattern matches no module
     */
    public Selection select(List<ModuleScore> scores) {
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("no module scores to select from");
        }
        Map<String, List<ModuleScore>> byType = new LinkedHashMap<>();
        for (ModuleScore s : scores) {
            byType.computeIfAbsent(s.type(), t -> new ArrayList<>()).add(s);
        }
        List<TypeGroup> groups = new ArrayList<>();
        Set<String> trainable = new LinkedHashSet<>();
        for (Map.Entry<String, List<ModuleScore>> e : byType.entrySet()) {
            List<ModuleScore> ranked = new ArrayList<>(e.getValue());
            ranked.sort(BY_SNR_DESCENDING);
            int keep = keepCount(ranked.size(), topPercent);
            List<String> chosen = new ArrayList<>();
            for (ModuleScore s : ranked.subList(0, keep)) {
                if (!Double.isNaN(s.snr()) && s.snr() >= minSnr) {
                    chosen.add(s.name());
                }
            }
            trainable.addAll(chosen);
            groups.add(new TypeGroup(e.getKey(), ranked, chosen));
        }
        addAlwaysTrain(trainable, scores.stream().map(ModuleScore::name).toList());
        return new Selection(topPercent, groups, trainable);
    }

    /**
     * Selects modules by a strategy's score with the same rule as {@link #select(List)}: per type, descending score
     * (stable, NaN last), {@code int(len(group) * topPercent / 100)} kept, NaN never, always-train patterns added. The
     * minimum SNR does not apply: these scores are not SNRs.
     *
     * @param scores the scores in model order
     * @return the modules to train: each type's selection in type order, then always-train modules
     * @throws IllegalArgumentException if there are no scores, or an always-train pattern matches no module
     */
    public Set<String> selectByScore(List<ScoredModule> scores) {
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("no module scores to select from");
        }
        Map<String, List<ScoredModule>> byType = new LinkedHashMap<>();
        for (ScoredModule s : scores) {
            byType.computeIfAbsent(s.type(), t -> new ArrayList<>()).add(s);
        }
        Set<String> trainable = new LinkedHashSet<>();
        for (List<ScoredModule> group : byType.values()) {
            List<ScoredModule> ranked = new ArrayList<>(group);
            ranked.sort((a, b) -> descending(a.score(), b.score()));
            for (ScoredModule s : ranked.subList(0, keepCount(ranked.size(), topPercent))) {
                if (!Double.isNaN(s.score())) {
                    trainable.add(s.name());
                }
            }
        }
        addAlwaysTrain(trainable, scores.stream().map(ScoredModule::name).toList());
        return Collections.unmodifiableSet(trainable);
    }

    /** Descending, NaN last; equal values compare equal so that a stable sort keeps model order. */
    private static int descending(double x, double y) {
        if (Double.isNaN(x) || Double.isNaN(y)) {
            return Boolean.compare(Double.isNaN(x), Double.isNaN(y));
        }
        return x == y ? 0 : (x > y ? -1 : 1);
    }

    private void addAlwaysTrain(Set<String> trainable, List<String> modules) {
        for (Pattern p : alwaysTrain) {
            boolean matched = false;
            for (String m : modules) {
                if (p.matcher(m).matches()) {
                    trainable.add(m);
                    matched = true;
                }
            }
            if (!matched) {
                throw new IllegalArgumentException("always-train pattern '" + p.pattern() + "' matches no module");
            }
        }
    }

    /**
     * Checks a top percentage.
     *
     * @return the percentage
     * @throws IllegalArgumentException naming the value, unless it lies in (0, 100]
     */
    public static double requireTopPercent(double percent) {
        if (!(percent > 0 && percent <= 100)) {
            throw new IllegalArgumentException("top percent must be in (0, 100], got " + percent);
        }
        return percent;
    }

    /**
     * Checks a minimum SNR.
     *
     * @return the value
     * @throws IllegalArgumentException if it is NaN
     */
    public static double requireMinSnr(double minSnr) {
        if (Double.isNaN(minSnr)) {
            throw new IllegalArgumentException("minimum SNR must not be NaN");
        }
        return minSnr;
    }

    /** {@code int(n * percent / 100)}, the original tool's truncating count. */
    public static int keepCount(int n, double percent) {
        return (int) (n * percent / 100);
    }

    /** Validating builder for {@link SpectrumSelector}. */
    public static final class Builder {
        private double topPercent = 25;
        private double minSnr = Double.NEGATIVE_INFINITY;
        private final List<Pattern> alwaysTrain = new ArrayList<>();

        private Builder() {
        }

        /** Percentage of each type to train, in (0, 100]; default 25. */
        public Builder optTopPercent(double percent) {
            this.topPercent = requireTopPercent(percent);
            return this;
        }

        /** Modules scoring below this SNR are never selected by rank; default none. */
        public Builder optMinSnr(double minSnr) {
            this.minSnr = requireMinSnr(minSnr);
            return this;
        }

        /**
         * Modules whose full name matches one of these regular expressions are always trained; each must match at
         * least one module when selecting. Default none.
         */
        public Builder optAlwaysTrain(String... patterns) {
            for (String p : patterns) {
                Objects.requireNonNull(p, "pattern");
                try {
                    alwaysTrain.add(Pattern.compile(p));
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("always-train pattern '" + p + "' is not a valid regular "
                            + "expression: " + e.getDescription(), e);
                }
            }
            return this;
        }

        public SpectrumSelector build() {
            return new SpectrumSelector(this);
        }
    }
}
