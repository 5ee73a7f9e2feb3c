package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

/**
 * Applies a {@link FreezePlan} to a live network between iterations.
 *
 * <p>Per layer: structural layers become DL4J {@code FrozenLayer}s (no backprop, no gradient, forced inference mode,
 * exactly what {@code TransferLearning.setFeatureExtractor} does); layers with some frozen parameters are wrapped in
 * {@link SelectiveFreezeLayer}; trainable layers get their original runtime layer and configuration back. The network
 * configuration is changed together with the runtime layers, so save/restore and {@code clone()} keep the freeze.
 * Then the gradient view is re-allocated (a frozen segment must not keep last iteration's update) and a new updater is
 * installed whose state layout matches the configuration, with the state of every parameter that was and stays
 * trainable copied over; newly trainable parameters start from the optimizer's initial state.
 *
 * <p>Call only where DL4J allows changing the network: outside {@code fit}, or from a listener's
 * {@code onEpochStart}, {@code iterationDone} or {@code onEpochEnd}.
 */
public final class Freezer {

    /**
     * What an application changed.
     *
     * @param layersChanged     number of layer slots whose wrapper changed
     * @param statesKept        number of parameters whose optimizer state was carried over
     * @param stateLengthBefore updater state elements before (0 if there was no updater yet)
     * @param stateLengthAfter  updater state elements after
     */
    public record Outcome(int layersChanged, int statesKept, long stateLengthBefore, long stateLengthAfter) {
    }

    private Freezer() {
    }

    /** Applies a plan; a no-op (returning zero changes) if every layer is already in its planned state. */
    public static Outcome apply(ModelAdapter adapter, FreezePlan plan) {
        BaseMultiLayerUpdater<?> old = adapter.currentUpdater();
        int changed = 0;
        Map<String, INDArray[]> saved = null;
        for (String name : adapter.layerNames()) {
            Layer current = adapter.layer(name);
            Set<String> frozen = plan.frozenParams().getOrDefault(name, Set.of());
            Layer base = baseLayer(current);
            NeuralNetConfiguration baseConf = base.conf();
            Layer runtime;
            NeuralNetConfiguration conf;
            if (plan.structural().contains(name)) {
                if (current instanceof FrozenLayer) {
                    continue;
                }
                org.deeplearning4j.nn.conf.layers.misc.FrozenLayer fl =
                        new org.deeplearning4j.nn.conf.layers.misc.FrozenLayer(baseConf.getLayer());
                fl.setLayerName(baseConf.getLayer().getLayerName());
                conf = baseConf.clone();
                conf.setLayer(fl);
                runtime = new FrozenLayer(base);
            } else if (!frozen.isEmpty()) {
                if (current instanceof SelectiveFreezeLayerImpl s && s.selectiveConfig().frozenParams().equals(frozen)) {
                    continue;
                }
                SelectiveFreezeLayer sf = new SelectiveFreezeLayer(baseConf.getLayer(), frozen);
                conf = baseConf.clone();
                conf.setLayer(sf);
                runtime = new SelectiveFreezeLayerImpl(base, sf);
            } else {
                if (current == base) {
                    continue;
                }
                runtime = base;
                conf = baseConf;
            }
            if (saved == null) {
                // the old updater's state array is left untouched by the swap and by building the new updater
                saved = UpdaterStates.views(old);
            }
            adapter.replace(name, runtime, conf);
            changed++;
        }
        long before = UpdaterStates.stateLength(old);
        if (changed == 0 && old != null) {
            return new Outcome(0, 0, before, before);
        }
        adapter.initGradientsView();
        BaseMultiLayerUpdater<?> fresh = adapter.newUpdater();
        int kept = saved == null ? 0 : UpdaterStates.restore(fresh, saved);
        adapter.install(fresh);
        return new Outcome(changed, kept, before, UpdaterStates.stateLength(fresh));
    }

    /** The original runtime layer behind frozen and selective wrappers. */
    public static Layer baseLayer(Layer layer) {
        Layer l = layer;
        while (true) {
            if (l instanceof FrozenLayer f) {
                l = f.getInsideLayer();
            } else if (l instanceof SelectiveFreezeLayerImpl s) {
                l = s.getInsideLayer();
            } else {
                return l;
            }
        }
    }

    /** Whether a network carries a freeze applied by this class (e.g. restored from a saved model). */
    public static boolean hasSpectrumFreeze(ModelAdapter adapter) {
        for (String name : adapter.layerNames()) {
            if (adapter.layerConf(name).getLayer() instanceof SelectiveFreezeLayer
                    || adapter.layer(name) instanceof SelectiveFreezeLayerImpl
                    || adapter.layer(name) instanceof FrozenLayer) {
                return true;
            }
        }
        return false;
    }
}
