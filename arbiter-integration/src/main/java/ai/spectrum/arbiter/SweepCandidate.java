package ai.spectrum.arbiter;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration of one sweep candidate: Spectrum's settings plus the user's own hyperparameters.
 * Serializable because Arbiter hands candidates around in serialized form.
 *
 * @param spectrum        the Spectrum listener's settings
 * @param hyperparameters the user's hyperparameters by name, in declaration order; unmodifiable, never null
 */
public record SweepCandidate(SpectrumSettings spectrum, Map<String, Object> hyperparameters) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Copies the hyperparameters, keeping their order. */
    public SweepCandidate {
        Objects.requireNonNull(spectrum, "spectrum");
        hyperparameters = Collections.unmodifiableMap(new LinkedHashMap<>(hyperparameters));
    }

    /**
     * A user hyperparameter.
     *
     * @throws IllegalArgumentException when there is no hyperparameter of that name
     */
    public Object hyperparameter(String name) {
        if (!hyperparameters.containsKey(name)) {
            throw new IllegalArgumentException("no hyperparameter '" + name + "'; known: " + hyperparameters.keySet());
        }
        return hyperparameters.get(name);
    }

    /**
     * A numeric user hyperparameter as a double.
     *
     * @throws IllegalArgumentException when it is missing or not a number
     */
    public double doubleHyperparameter(String name) {
        Object v = hyperparameter(name);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("hyperparameter '" + name + "' is not a number: " + v);
    }

    /** All settings, Spectrum's first, as ordered name/value strings. */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>(spectrum.asMap());
        hyperparameters.forEach((k, v) -> m.put(k, String.valueOf(v)));
        return m;
    }
}
