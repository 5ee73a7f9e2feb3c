package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashMap;
import java.util.Map;

/**
 * Per-parameter optimizer state of a DL4J updater, so it survives a rebuild that changes the state layout.
 *
 * <p>Within an {@link UpdaterBlock} DL4J lays state out as one segment per state component (e.g. Adam's m, then v),
 * each covering every parameter of the block in order. Parameters are keyed {@code layerName/param}.
 */
final class UpdaterStates {
    private UpdaterStates() {
    }

    /** Copies of each parameter's state components; empty for a null updater or stateless parameters. */
    static Map<String, INDArray[]> snapshot(BaseMultiLayerUpdater<?> updater) {
        return collect(updater, true);
    }

    /**
     * Live views of each parameter's state components. Valid for as long as the updater's state array is neither
     * modified nor released, e.g. while a replacement updater is being built and filled.
     */
    static Map<String, INDArray[]> views(BaseMultiLayerUpdater<?> updater) {
        return collect(updater, false);
    }

    private static Map<String, INDArray[]> collect(BaseMultiLayerUpdater<?> updater, boolean copy) {
        Map<String, INDArray[]> out = new HashMap<>();
        if (updater == null) {
            return out;
        }
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            forEachParam(block, (key, comps) -> {
                INDArray[] arrays = new INDArray[comps.length];
                for (int k = 0; k < comps.length; k++) {
                    arrays[k] = copy ? comps[k].dup() : comps[k];
                }
                out.put(key, arrays);
            });
        }
        return out;
    }

    /**
     * Writes saved state into a new updater for every parameter present in both with the same shape of state.
     *
     * @return the number of parameters whose state was restored
     */
    static int restore(BaseMultiLayerUpdater<?> updater, Map<String, INDArray[]> saved) {
        int[] n = {0};
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            forEachParam(block, (key, comps) -> {
                INDArray[] old = saved.get(key);
                if (old != null && old.length == comps.length) {
                    for (int k = 0; k < comps.length; k++) {
                        comps[k].assign(old[k]);
                    }
                    n[0]++;
                }
            });
        }
        return n[0];
    }

    /** Total number of state elements. */
    static long stateLength(BaseMultiLayerUpdater<?> updater) {
        INDArray s = updater == null ? null : updater.getStateViewArray();
        return s == null ? 0 : s.length();
    }

    private interface ParamVisitor {
        void visit(String key, INDArray[] components);
    }

    private static void forEachParam(UpdaterBlock block, ParamVisitor visitor) {
        INDArray view = block.getUpdaterView();
        if (view == null || view.length() == 0) {
            return;
        }
        long blockLen = (long) block.getParamOffsetEnd() - block.getParamOffsetStart();
        long mult = view.length() / blockLen;
        for (UpdaterBlock.ParamState ps : block.getLayersAndVariablesInBlock()) {
            long off = (long) ps.getParamOffsetStart() - block.getParamOffsetStart();
            long len = (long) ps.getParamOffsetEnd() - ps.getParamOffsetStart();
            INDArray[] comps = new INDArray[(int) mult];
            for (int k = 0; k < mult; k++) {
                long from = k * blockLen + off;
                comps[k] = view.rank() == 1 ? view.get(NDArrayIndex.interval(from, from + len))
                        : view.get(NDArrayIndex.point(0), NDArrayIndex.interval(from, from + len));
            }
            visitor.visit(ps.getLayer().getConfig().getLayerName() + "/" + ps.getParamName(), comps);
        }
    }
}
