package ai.spectrum.samediff;

import ai.spectrum.analysis.NetworkWeights;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The trainer's SameDiff listener for one training step: keeps the step's loss and, when the strategy needs them,
 * each module's raw gradient norm (the gradient op's output, before regularization and updater, which SameDiff
 * apply in place afterwards) and the root-mean-square output of the first op that reads the module's matrix in the
 * forward pass. Frozen modules have no gradient op, so their last observation is kept. It only observes: SameDiff
 * caches the trainable set for the whole {@code fit}, so nothing may be converted here.
 */
final class StepObserver extends BaseListener {
    private final boolean gradients;
    private final boolean activations;
    private final Map<String, Double> gradientNorms;
    private final Map<String, Double> activationNorms;
    private final Map<String, String> moduleOfMatrix = new HashMap<>();
    private final Set<String> seen = new HashSet<>();
    private Map<String, String> moduleOfGradient = Map.of();
    private SameDiff gradientGraph;
    private Loss lastLoss;

    StepObserver(NetworkWeights weights, boolean gradients, boolean activations, Map<String, Double> gradientNorms,
                 Map<String, Double> activationNorms) {
        this.gradients = gradients;
        this.activations = activations;
        this.gradientNorms = gradientNorms;
        this.activationNorms = activationNorms;
        for (NetworkWeights.Entry e : weights.entries()) {
            moduleOfMatrix.put(e.paramKey(), e.info().name());
        }
    }

    /** The loss of the last step, or null before one. */
    Loss lastLoss() {
        return lastLoss;
    }

    @Override
    public boolean isActive(Operation operation) {
        return operation == Operation.TRAINING;
    }

    @Override
    public void iterationStart(SameDiff sd, At at, MultiDataSet data, long etlMs) {
        seen.clear();
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                            INDArray[] outputs) {
        if (gradients) {
            if (sd != gradientGraph) { // rebuilt after every re-selection
                gradientGraph = sd;
                Map<String, String> m = new HashMap<>();
                moduleOfMatrix.forEach((variable, module) -> {
                    SDVariable v = sd.hasVariable(variable) ? sd.getVariable(variable) : null;
                    SDVariable g = v == null ? null : v.getGradient();
                    if (g != null) {
                        m.put(g.name(), module);
                    }
                });
                moduleOfGradient = m;
            }
            List<String> names = op.getOutputsOfOp();
            for (int i = 0; names != null && i < names.size() && i < outputs.length; i++) {
                String module = moduleOfGradient.get(names.get(i));
                if (module != null && outputs[i] != null) {
                    gradientNorms.put(module, outputs[i].norm2Number().doubleValue());
                }
            }
        }
        if (activations && op.getInputsToOp() != null && outputs.length > 0 && outputs[0] != null) {
            for (String in : op.getInputsToOp()) {
                String module = moduleOfMatrix.get(in);
                if (module != null && seen.add(in)) { // the forward op runs before any backward op reading it
                    INDArray a = outputs[0];
                    activationNorms.put(module, a.norm2Number().doubleValue() / Math.sqrt(a.length()));
                }
            }
        }
    }

    @Override
    public void iterationDone(SameDiff sd, At at, MultiDataSet dataSet, Loss loss) {
        lastLoss = loss;
    }
}
