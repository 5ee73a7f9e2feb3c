package ai.spectrum.arbiter;

import ai.spectrum.arbiter.SpectrumSettings.ReselectUnit;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Arbiter parameter space over Spectrum's settings. Each setting is its own Arbiter space (fixed by default), so
 * grid and random search treat them like any other hyperparameter.
 *
 * <pre>{@code
 * SpectrumSpace space = SpectrumSpace.builder()
 *         .optTopPercent(Spaces.doubles(10, 25, 50))
 *         .optMinSnr(Spaces.doubles(Double.NEGATIVE_INFINITY, 0.5))
 *         .build();
 * }</pre>
 */
@SuppressWarnings("rawtypes") // Arbiter's ParameterSpace API uses raw types
public final class SpectrumSpace implements ParameterSpace<SpectrumSettings> {
    private final ParameterSpace<Double> topPercent;
    private final ParameterSpace<Double> minSnr;
    private final ParameterSpace<Integer> reselectEvery;
    private final ParameterSpace<ReselectUnit> reselectUnit;
    private final ParameterSpace<String> strategy;
    private final List<String> alwaysTrain;

    private SpectrumSpace(Builder b) {
        this.alwaysTrain = List.copyOf(b.alwaysTrain);
        this.topPercent = b.topPercent;
        this.minSnr = b.minSnr;
        this.reselectEvery = b.reselectEvery;
        this.reselectUnit = b.reselectUnit;
        this.strategy = b.strategy;
    }

    /** A builder with every setting fixed at {@link SpectrumSettings#defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** @throws IllegalArgumentException (from {@link SpectrumSettings}) when the drawn values are out of range */
    @Override
    public SpectrumSettings getValue(double[] parameterValues) {
        return new SpectrumSettings(topPercent.getValue(parameterValues), minSnr.getValue(parameterValues),
                reselectEvery.getValue(parameterValues), reselectUnit.getValue(parameterValues),
                strategy.getValue(parameterValues), alwaysTrain);
    }

    @Override
    public int numParameters() {
        return Spaces.countParameters(getNestedSpaces());
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        return Spaces.leaves(getNestedSpaces());
    }

    @Override
    public Map<String, ParameterSpace> getNestedSpaces() {
        Map<String, ParameterSpace> m = new LinkedHashMap<>();
        m.put("topPercent", topPercent);
        m.put("minSnr", minSnr);
        m.put("reselectEvery", reselectEvery);
        m.put("reselectUnit", reselectUnit);
        m.put("strategy", strategy);
        return Collections.unmodifiableMap(m);
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    /** Not a leaf: Arbiter sets indices on the leaves only. */
    @Override
    public void setIndices(int... indices) {
        throw new UnsupportedOperationException("SpectrumSpace is not a leaf; indices are set on its leaves");
    }

    @Override
    public String toString() {
        return "SpectrumSpace" + getNestedSpaces() + (alwaysTrain.isEmpty() ? "" : " alwaysTrain=" + alwaysTrain);
    }

    /** Builder; every setting is optional and defaults to {@link SpectrumSettings#defaults()}. */
    public static final class Builder {
        private final SpectrumSettings d = SpectrumSettings.defaults();
        private ParameterSpace<Double> topPercent = new FixedValue<>(d.topPercent());
        private ParameterSpace<Double> minSnr = new FixedValue<>(d.minSnr());
        private ParameterSpace<Integer> reselectEvery = new FixedValue<>(d.reselectEvery());
        private ParameterSpace<ReselectUnit> reselectUnit = new FixedValue<>(d.reselectUnit());
        private ParameterSpace<String> strategy = new FixedValue<>(d.strategy());
        private List<String> alwaysTrain = List.of();

        private Builder() {
        }

        /** Top percent per module type, each value in (0, 100]. Default fixed 25. */
        public Builder optTopPercent(ParameterSpace<Double> space) {
            Spaces.checkUsable("topPercent", space);
            this.topPercent = space;
            return this;
        }

        /** Minimum SNR threshold. Default fixed {@code -∞} (no threshold). */
        public Builder optMinSnr(ParameterSpace<Double> space) {
            Spaces.checkUsable("minSnr", space);
            this.minSnr = space;
            return this;
        }

        /** Re-selection interval (at least 1) in {@link #optReselectUnit units}. Default fixed 1. */
        public Builder optReselectEvery(ParameterSpace<Integer> space) {
            Spaces.checkUsable("reselectEvery", space);
            this.reselectEvery = space;
            return this;
        }

        /** What the interval counts. Default fixed {@link ReselectUnit#EPOCHS}. */
        public Builder optReselectUnit(ParameterSpace<ReselectUnit> space) {
            Spaces.checkUsable("reselectUnit", space);
            this.reselectUnit = space;
            return this;
        }

        /** Selection strategy names from {@link SpectrumSettings#STRATEGIES}. Default fixed {@code "snr"}. */
        public Builder optStrategy(ParameterSpace<String> space) {
            Spaces.checkUsable("strategy", space);
            this.strategy = space;
            return this;
        }

        /**
         * Module-name patterns that always train, the same for every candidate (not searched). Default none. The
         * output layer is the usual choice: with few modules per type, a top percent can otherwise round its type
         * down to zero trainable modules.
         */
        public Builder optAlwaysTrain(String... patterns) {
            this.alwaysTrain = List.of(patterns);
            return this;
        }

        /** The space; never fails, each setting was checked when given. */
        public SpectrumSpace build() {
            return new SpectrumSpace(this);
        }
    }
}
