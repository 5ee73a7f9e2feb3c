package ai.spectrum.training;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.selection.SelectionStrategy;
import org.deeplearning4j.nn.gradient.Gradient;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Per module, the last observed gradient and activation norms, for strategies that read them
 * ({@link ai.spectrum.selection.SelectionStrategy#needsGradients()}, {@code needsActivations()}).
 */
final class Observations {
    private final Map<String, Double> gradientNorms = new HashMap<>();
    private final Map<String, Double> activationNorms = new HashMap<>();

    /** Forgets every observation (a new network). */
    void clear() {
        gradientNorms.clear();
        activationNorms.clear();
    }

    /**
     * Records the L2 norm of each module's raw gradient. A frozen module's gradient is zero, so one observed before
     * keeps its last real value.
     *
     * @param frozen modules frozen now
     */
    void recordGradients(Dl4jNetwork network, Gradient gradient, Set<String> frozen) {
        Map<String, INDArray> byKey = gradient.gradientForVariable();
        for (NetworkWeights.Entry e : network.weights().entries()) {
            String module = e.info().name();
            if (frozen.contains(module) && gradientNorms.containsKey(module)) {
                continue;
            }
            INDArray grad = byKey.get(network.gradientKey(e.layer(), e.paramKey()));
            if (grad != null) {
                gradientNorms.put(module, grad.norm2Number().doubleValue());
            }
        }
    }

    /** Records the root-mean-square of each module's layer output, given per layer slot. */
    void recordActivations(Dl4jNetwork network, Map<String, INDArray> byLayer) {
        Map<String, Double> rmsByLayer = new HashMap<>();
        byLayer.forEach((layer, a) -> rmsByLayer.put(layer, a.norm2Number().doubleValue() / Math.sqrt(a.length())));
        for (NetworkWeights.Entry e : network.weights().entries()) {
            Double v = rmsByLayer.get(e.layer());
            if (v != null) {
                activationNorms.put(e.info().name(), v);
            }
        }
    }

    /** Whether every one of {@code modules} has the observations asked for. */
    boolean complete(java.util.Collection<String> modules, boolean gradients, boolean activations) {
        return (!gradients || gradientNorms.keySet().containsAll(modules))
                && (!activations || activationNorms.keySet().containsAll(modules));
    }

    Map<String, Double> gradientNorms() {
        return gradientNorms;
    }

    Map<String, Double> activationNorms() {
        return activationNorms;
    }
}
