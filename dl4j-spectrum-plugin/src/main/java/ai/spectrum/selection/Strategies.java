package ai.spectrum.selection;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.ScanProgress;
import ai.spectrum.analysis.SnrRule;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.analysis.WeightSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/** The built-in {@link SelectionStrategy} implementations. */
final class Strategies {
    private Strategies() {
    }

    /** Weight-spectrum SNR. */
    record Snr(SnrRule rule, int threads) implements SelectionStrategy {
        Snr {
            Objects.requireNonNull(rule, "rule");
            if (threads < 1) {
                throw new IllegalArgumentException("analyzer threads must be ≥ 1, got " + threads);
            }
        }

        @Override
        public String name() {
            return "snr";
        }

        @Override
        public boolean scoresAreSnr() {
            return true;
        }

        /** Relative SNR accuracy of the first pass: large matrices keep the fast Gram route. */
        static final double FIRST_PASS_TOLERANCE = SpectrumAnalyzer.RANKING_SNR_TOLERANCE;

        /**
         * Scans the modules whose weights changed since the last selection; reuses the others' scores. The ranking is
         * the one the analyzer's strict default tolerance gives: modules are scored to {@value #FIRST_PASS_TOLERANCE}
         * relative first, and those whose SNR lies that close to another of their type are scored again with the
         * strict tolerance, so no order within a type can differ.
         */
        @Override
        public Choice choose(SelectionContext context) {
            // not strict: an all-zero matrix (e.g. PReLU's alpha at initialization) must not stop training
            SpectrumAnalyzer analyzer = SpectrumAnalyzer.builder().optRule(rule).optThreads(threads).optStrict(false)
                    .optSnrTolerance(FIRST_PASS_TOLERANCE).build();
            NetworkWeights weights = context.weights();
            List<WeightInfo> toScan = new ArrayList<>();
            for (NetworkWeights.Entry e : weights.entries()) {
                if (!context.frozenScores().containsKey(e.info().name())) {
                    toScan.add(e.info());
                }
            }
            Map<String, Double> fresh = new HashMap<>();
            if (threads == 1) {
                // On the training thread: the analyzer's workspace is reused from one selection to the next.
                for (WeightInfo info : toScan) {
                    fresh.put(info.name(), analyzer.score(info.name(), info.type(), weights.load(info)).snr());
                }
            } else if (!toScan.isEmpty()) {
                WeightSource subset = new WeightSource() {
                    @Override
                    public String modelId() {
                        return weights.modelId();
                    }

                    @Override
                    public List<WeightInfo> weights() {
                        return toScan;
                    }

                    @Override
                    public INDArray load(WeightInfo info) {
                        return weights.load(info);
                    }
                };
                try {
                    for (ModuleScore s : analyzer.scan(subset, new ScanProgress() { }).scores()) {
                        fresh.put(s.name(), s.snr());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("reading live weights failed", e);
                }
            }
            Map<String, Double> raw = new HashMap<>(context.frozenScores());
            raw.putAll(fresh);
            Set<String> close = tooCloseToOrder(weights, raw, FIRST_PASS_TOLERANCE);
            if (!close.isEmpty()) {
                SpectrumAnalyzer strict = SpectrumAnalyzer.builder().optRule(rule).optStrict(false).build();
                for (NetworkWeights.Entry e : weights.entries()) {
                    WeightInfo info = e.info();
                    if (close.contains(info.name())) {
                        fresh.put(info.name(), strict.score(info.name(), info.type(), weights.load(info)).snr());
                    }
                }
            }
            Map<String, Double> out = new LinkedHashMap<>();
            for (NetworkWeights.Entry e : weights.entries()) {
                String n = e.info().name();
                out.put(n, fresh.containsKey(n) ? orZero(fresh.get(n)) : context.frozenScores().get(n));
            }
            return new Choice(out, Set.of());
        }

        /**
         * Modules whose score lies within {@code tolerance} (relative, for each of the two) of another finite score of
         * their type: their order could differ from the exact one.
         */
        static Set<String> tooCloseToOrder(NetworkWeights weights, Map<String, Double> scores, double tolerance) {
            Map<String, List<Map.Entry<String, Double>>> byType = new HashMap<>();
            for (NetworkWeights.Entry e : weights.entries()) {
                Double v = scores.get(e.info().name());
                if (v != null && Double.isFinite(v)) {
                    byType.computeIfAbsent(e.info().type(), t -> new ArrayList<>()).add(Map.entry(e.info().name(), v));
                }
            }
            Set<String> close = new HashSet<>();
            for (List<Map.Entry<String, Double>> members : byType.values()) {
                members.sort(Map.Entry.comparingByValue());
                for (int i = 1; i < members.size(); i++) {
                    double a = members.get(i - 1).getValue();
                    double b = members.get(i).getValue();
                    if (b - a <= tolerance * (Math.abs(a) + Math.abs(b))) {
                        close.add(members.get(i - 1).getKey());
                        close.add(members.get(i).getKey());
                    }
                }
            }
            return close;
        }
    }

    /**
     * A degenerate matrix (all zero, or not finite) has no SNR; it scores 0, below every real SNR, so it trains only
     * when the percentage reaches it (always at 100 %) or an always-train pattern names it.
     */
    private static double orZero(double snr) {
        return Double.isNaN(snr) ? 0.0 : snr;
    }

    /** Random scores. */
    record Random() implements SelectionStrategy {
        @Override
        public String name() {
            return "random";
        }

        @Override
        public Choice choose(SelectionContext context) {
            SplittableRandom rnd = new SplittableRandom(context.seed() * 0x9E3779B97F4A7C15L + context.iteration());
            Map<String, Double> out = new LinkedHashMap<>();
            for (NetworkWeights.Entry e : context.weights().entries()) {
                out.put(e.info().name(), rnd.nextDouble());
            }
            return new Choice(out, Set.of());
        }
    }

    /** Gradient L2 norms. */
    record GradientNorm() implements SelectionStrategy {
        @Override
        public String name() {
            return "gradient-norm";
        }

        @Override
        public boolean needsGradients() {
            return true;
        }

        @Override
        public Choice choose(SelectionContext context) {
            return new Choice(observed(context, context.gradientNorms(), "gradient"), Set.of());
        }
    }

    /** Activation RMS. */
    record ActivationNorm() implements SelectionStrategy {
        @Override
        public String name() {
            return "activation-norm";
        }

        @Override
        public boolean needsActivations() {
            return true;
        }

        @Override
        public Choice choose(SelectionContext context) {
            return new Choice(observed(context, context.activationNorms(), "activation"), Set.of());
        }
    }

    /** First-k (from the input) or last-k (from the output). */
    record Position(boolean fromInput) implements SelectionStrategy {
        @Override
        public String name() {
            return fromInput ? "first-k" : "last-k";
        }

        @Override
        public Choice choose(SelectionContext context) {
            List<NetworkWeights.Entry> entries = context.weights().entries();
            Map<String, Double> out = new LinkedHashMap<>();
            for (int i = 0; i < entries.size(); i++) {
                out.put(entries.get(i).info().name(), fromInput ? (double) (entries.size() - i) : (double) i);
            }
            return new Choice(out, Set.of());
        }
    }

    /** LISA: first and last always, the rest sampled. */
    record Lisa() implements SelectionStrategy {
        @Override
        public String name() {
            return "lisa";
        }

        @Override
        public Choice choose(SelectionContext context) {
            SplittableRandom rnd = new SplittableRandom(context.seed() * 0xBF58476D1CE4E5B9L + context.iteration());
            List<NetworkWeights.Entry> entries = context.weights().entries();
            Set<String> forced = Set.of(entries.get(0).info().name(), entries.get(entries.size() - 1).info().name());
            Map<String, Double> out = new LinkedHashMap<>();
            for (NetworkWeights.Entry e : entries) {
                double draw = rnd.nextDouble();
                // forced modules train anyway; the sampled share goes to the middle modules
                out.put(e.info().name(), forced.contains(e.info().name()) ? Double.NEGATIVE_INFINITY : draw);
            }
            return new Choice(out, forced);
        }
    }

    private static Map<String, Double> observed(SelectionContext context, Map<String, Double> values, String what) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (NetworkWeights.Entry e : context.weights().entries()) {
            Double v = values.get(e.info().name());
            if (v == null) {
                throw new IllegalStateException("no " + what + " observed yet for module '" + e.info().name()
                        + "': this strategy can only select after a training iteration");
            }
            out.put(e.info().name(), v);
        }
        return out;
    }
}
