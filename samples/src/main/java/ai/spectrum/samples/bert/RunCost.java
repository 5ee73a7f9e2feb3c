package ai.spectrum.samples.bert;

import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.training.SpectrumListener;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What a method run's training holds and spent, read from its graph after the last step.
 *
 * @param parameters          all parameters of the network
 * @param trainableParameters parameters the updater updates (those in non-{@link NoOp} updater blocks)
 * @param gradientBytes       {@code trainableParameters} × bytes per element
 * @param optimizerStateBytes the updater's state (Adam's m and v of what trains)
 * @param selectionMillis     time the selector spent scoring, selecting and freezing (0 without one)
 */
record RunCost(long parameters, long trainableParameters, long gradientBytes, long optimizerStateBytes,
               double selectionMillis) {

    /** Reads the cost of a trained graph and its selector (null for a fixed trainable set). */
    static RunCost of(ComputationGraph graph, SpectrumListener selector) {
        long trainable = trainableParameters(graph);
        int width = graph.params().dataType().width();
        long stateBytes = Dl4jNetwork.of(graph).updaterStateBytes();
        double selectionMillis = selector == null ? 0 : selector.selectionNanos() / 1e6;
        return new RunCost(graph.numParams(), trainable, trainable * width, stateBytes, selectionMillis);
    }

    /** Gradient plus optimizer-state bytes. */
    long gradStateBytes() {
        return gradientBytes + optimizerStateBytes;
    }

    /** Parameters the updater updates (those not under a NoOp updater). */
    static long trainableParameters(ComputationGraph graph) {
        Set<String> updated = updatedParameters(graph);
        long trainable = 0;
        for (Map.Entry<String, INDArray> e : graph.paramTable().entrySet()) {
            if (updated.contains(e.getKey())) {
                trainable += e.getValue().length();
            }
        }
        return trainable;
    }

    /**
     * The {@code layer_param} keys the updater changes: parameters in updater blocks whose updater is not
     * {@link NoOp} (frozen layers get NoOp blocks from DL4J, masked parameters from the Spectrum freezer).
     */
    static Set<String> updatedParameters(ComputationGraph graph) {
        Set<String> out = new HashSet<>();
        if (graph.getUpdater() == null) {
            return out;
        }
        for (UpdaterBlock block : graph.getUpdater().getUpdaterBlocks()) {
            if (block.getGradientUpdater().getConfig() instanceof NoOp) {
                continue;
            }
            for (UpdaterBlock.ParamState p : block.getLayersAndVariablesInBlock()) {
                out.add(p.getLayer().getConfig().getLayerName() + "_" + p.getParamName());
            }
        }
        return out;
    }
}
