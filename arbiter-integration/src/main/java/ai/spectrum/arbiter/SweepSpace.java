package ai.spectrum.arbiter;

import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The full sweep space: Spectrum's settings combined with the user's own hyperparameter spaces (learning rate,
 * width, ...). Its values are {@link SweepCandidate}s.
 *
 * <pre>{@code
 * SweepSpace space = SweepSpace.builder()
 *         .optSpectrum(SpectrumSpace.builder().optTopPercent(Spaces.doubles(25, 50)).build())
 *         .optHyperparameter("learningRate", new ContinuousParameterSpace(1e-3, 1e-1))
 *         .build();
 * }</pre>
 */
@SuppressWarnings("rawtypes") // Arbiter's ParameterSpace API uses raw types
public final class SweepSpace implements ParameterSpace<SweepCandidate> {
    static final String SPECTRUM = "spectrum";

    private final SpectrumSpace spectrum;
    private final Map<String, ParameterSpace<?>> user;

    private SweepSpace(Builder b) {
        this.spectrum = b.spectrum;
        this.user = Collections.unmodifiableMap(new LinkedHashMap<>(b.user));
    }

    /** A builder with Spectrum's defaults and no user hyperparameters. */
    public static Builder builder() {
        return new Builder();
    }

    /** The Spectrum part of the space. */
    public SpectrumSpace spectrum() {
        return spectrum;
    }

    /** The user's hyperparameter spaces by name, in declaration order. */
    public Map<String, ParameterSpace<?>> hyperparameters() {
        return user;
    }

    @Override
    public SweepCandidate getValue(double[] parameterValues) {
        Map<String, Object> values = new LinkedHashMap<>();
        user.forEach((name, space) -> values.put(name, space.getValue(parameterValues)));
        return new SweepCandidate(spectrum.getValue(parameterValues), values);
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
        m.put(SPECTRUM, spectrum);
        m.putAll(user);
        return Collections.unmodifiableMap(m);
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    /** Not a leaf: Arbiter sets indices on the leaves only. */
    @Override
    public void setIndices(int... indices) {
        throw new UnsupportedOperationException("SweepSpace is not a leaf; indices are set on its leaves");
    }

    @Override
    public String toString() {
        return "SweepSpace" + getNestedSpaces();
    }

    /** Builder; the Spectrum space defaults to fixed {@link SpectrumSettings#defaults()}, no user spaces. */
    public static final class Builder {
        private SpectrumSpace spectrum = SpectrumSpace.builder().build();
        private final Map<String, ParameterSpace<?>> user = new LinkedHashMap<>();

        private Builder() {
        }

        /** Spectrum's settings. Default: all fixed at {@link SpectrumSettings#defaults()}. */
        public Builder optSpectrum(SpectrumSpace space) {
            if (space == null) {
                throw new IllegalArgumentException("spectrum space is null");
            }
            this.spectrum = space;
            return this;
        }

        /**
         * Adds a user hyperparameter space; its value reaches the model factory as
         * {@link SweepCandidate#hyperparameter(String)}.
         *
         * @throws IllegalArgumentException on a blank, reserved or repeated name, or an unusable space
         */
        public Builder optHyperparameter(String name, ParameterSpace<?> space) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("hyperparameter name is blank");
            }
            if (name.equals(SPECTRUM) || SpectrumSettings.defaults().asMap().containsKey(name)) {
                throw new IllegalArgumentException("hyperparameter name '" + name + "' is reserved for Spectrum's "
                        + "settings");
            }
            if (user.containsKey(name)) {
                throw new IllegalArgumentException("hyperparameter '" + name + "' is already defined");
            }
            Spaces.checkUsable(name, space);
            user.put(name, space);
            return this;
        }

        /** The space; never fails, each part was checked when given. */
        public SweepSpace build() {
            return new SweepSpace(this);
        }
    }
}
