package ai.spectrum.arbiter;

import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Small helpers for building Arbiter spaces from value lists, and the checks shared by the composite spaces.
 *
 * <p>A single value becomes a {@link FixedValue}: Arbiter 1.0.0-beta7's grid search drops one-valued dimensions from
 * its candidate vector while still giving such a space an index, so a one-valued {@link DiscreteParameterSpace}
 * would read the wrong coordinate.
 */
@SuppressWarnings("rawtypes") // Arbiter's ParameterSpace API uses raw types
public final class Spaces {
    private Spaces() {
    }

    /** A discrete space over the given values, or a fixed value when there is only one. */
    @SafeVarargs
    public static <T> ParameterSpace<T> values(T... values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("a space needs at least one value");
        }
        if (values.length == 1) {
            return new FixedValue<>(values[0]);
        }
        List<T> all = new ArrayList<>(values.length);
        for (T v : values) {
            all.add(v);
        }
        return new DiscreteParameterSpace<>(all);
    }

    /** {@link #values(Object[])} for doubles. */
    public static ParameterSpace<Double> doubles(double... values) {
        return values(Arrays.stream(values).boxed().toArray(Double[]::new));
    }

    /** {@link #values(Object[])} for ints. */
    public static ParameterSpace<Integer> ints(int... values) {
        return values(Arrays.stream(values).boxed().toArray(Integer[]::new));
    }

    static void checkUsable(String name, ParameterSpace<?> space) {
        if (space == null) {
            throw new IllegalArgumentException("parameter space '" + name + "' is null");
        }
        if (space instanceof DiscreteParameterSpace<?> d && d.numValues() == 1) {
            throw new IllegalArgumentException("parameter space '" + name + "' is a DiscreteParameterSpace with one "
                    + "value, which Arbiter's grid search misindexes; use Spaces.values(...) or a FixedValue");
        }
    }

    static List<ParameterSpace> leaves(Map<String, ParameterSpace> children) {
        List<ParameterSpace> all = new ArrayList<>();
        for (ParameterSpace<?> child : children.values()) {
            all.addAll(child.collectLeaves());
        }
        return all;
    }

    static int countParameters(Map<String, ParameterSpace> children) {
        int n = 0;
        List<ParameterSpace> seen = new ArrayList<>();
        for (ParameterSpace<?> leaf : leaves(children)) {
            if (seen.stream().noneMatch(s -> s == leaf)) {
                seen.add(leaf);
                n += leaf.numParameters();
            }
        }
        return n;
    }
}
