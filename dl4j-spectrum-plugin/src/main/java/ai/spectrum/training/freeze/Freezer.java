package ai.spectrum.training.freeze;

import ai.spectrum.dl4j.Wrappers;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.optimize.api.ConvexOptimizer;
import org.deeplearning4j.optimize.api.StepFunction;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.deeplearning4j.optimize.stepfunctions.NegativeGradientStepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

/**
 * Applies a {@link FreezePlan} to a live network between iterations.
 *
 * <p>Per layer: structural layers become DL4J {@code FrozenLayer}s (no backprop, no gradient, forced inference mode,
 * exactly what {@code TransferLearning.setFeatureExtractor} does), and non-layer vertices between them
 * {@code FrozenVertex}es; layers with some frozen parameters are wrapped in
 * {@link SelectiveFreezeLayer}; trainable layers get their original runtime layer and configuration back. The network
 * configuration is changed together with the runtime layers, so save/restore and {@code clone()} keep the freeze.
 * Then the gradient array is re-allocated — by default a compact one with room only for layers that write gradients
 * ({@link GradientLayout}), else DL4J's full-size one (a frozen segment must not keep last iteration's update) — and a
 * new updater is installed whose state layout matches the configuration, with the state of every parameter that was
 * and stays trainable copied over; newly trainable parameters start from the optimizer's initial state. With the
 * compact gradient, the updater ({@link CompactUpdaters}) and the optimizer's step ({@link SegmentStep}) touch only
 * trainable parameters.
 *
 * <p>Call only where DL4J allows changing the network: outside {@code fit}, or from a listener's
 * {@code onEpochStart}, {@code iterationDone} or {@code onEpochEnd}.
 */
final class Freezer {

    /**
     * What an application changed.
     *
     * @param layersChanged     number of layer slots whose wrapper changed
     * @param statesKept        number of parameters whose optimizer state was carried over
     * @param stateLengthBefore updater state elements before (0 if there was no updater yet)
     * @param stateLengthAfter  updater state elements after
     * @param gradientLength    elements of the network's flattened gradient array after the change
     */
    record Outcome(int layersChanged, int statesKept, long stateLengthBefore, long stateLengthAfter,
                          long gradientLength) {
    }

    private Freezer() {
    }

    /** Applies a plan with the compact gradient ({@link #apply(NetworkSlots, FreezePlan, boolean)}). */
    static Outcome apply(NetworkSlots adapter, FreezePlan plan) {
        return apply(adapter, plan, true);
    }

    /**
     * Applies a plan; a no-op (returning zero changes) if every layer is already in its planned state and the
     * gradient layout is the requested one.
     *
     * @param compactGradient allocate gradient memory only for layers that write gradients, with the compact updater
     *                        and optimizer step ({@link GradientLayout}); falls back to DL4J's full-size gradient where
     *                        the network's optimizer does not allow it ({@code NetworkSlots.supportsCompactGradient()})
     */
    static Outcome apply(NetworkSlots adapter, FreezePlan plan, boolean compactGradient) {
        BaseMultiLayerUpdater<?> installed = adapter.currentUpdater();
        // if DL4J dropped the updater since the last application, its optimizer state is still in the one we installed
        BaseMultiLayerUpdater<?> old = installed != null ? installed : adapter.lastInstalled();
        int changed = 0;
        Map<String, INDArray[]> saved = null;
        for (String name : adapter.layerNames()) {
            if (plan.kept().contains(name)) {
                continue; // frozen by the user: left exactly as configured
            }
            Layer current = adapter.layer(name);
            Set<String> frozen = plan.frozenParams().getOrDefault(name, Set.of());
            Layer base = Wrappers.unfrozen(current);
            NeuralNetConfiguration baseConf = unfrozenConf(adapter.layerConf(name));
            Layer runtime;
            NeuralNetConfiguration conf;
            if (plan.structural().contains(name)) {
                if (current instanceof FrozenLayer
                        && adapter.layerConf(name).getLayer() instanceof SpectrumFrozenLayer) {
                    continue;
                }
                SpectrumFrozenLayer fl = new SpectrumFrozenLayer(baseConf.getLayer());
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
        // parameter-free vertices: no gradient segment or optimizer state, so no re-allocation needed for them
        adapter.syncFrozenVertices(plan.structural());
        long before = UpdaterStates.stateLength(old);
        boolean compact = compactGradient && adapter.supportsCompactGradient();
        if (changed == 0 && installed != null && layoutIntact(adapter, compact)) {
            return new Outcome(0, 0, before, before, gradientLength(adapter));
        }
        if (saved == null) {
            saved = UpdaterStates.views(old);
        }
        BaseMultiLayerUpdater<?> fresh;
        StepFunction step;
        if (compact) {
            GradientLayout layout = GradientLayout.allocate(adapter.orderedTrainables(),
                    adapter.model().params().dataType());
            adapter.useGradientArray(layout.gradient());
            layout.bind();
            fresh = adapter.newCompactUpdater(layout);
            step = new SegmentStep(layout);
        } else {
            adapter.initGradientsView();
            fresh = adapter.newUpdater();
            step = new NegativeGradientStepFunction();
        }
        int kept = UpdaterStates.restore(fresh, saved);
        adapter.install(fresh);
        installStep(adapter, step, compact);
        return new Outcome(changed, kept, before, UpdaterStates.stateLength(fresh), gradientLength(adapter));
    }

    /**
     * A slot's stored configuration without freeze wrappers. Not the runtime layer's {@code conf()}: a runtime wrapper
     * such as {@code TimeDistributed} or {@code LastTimeStep} reports its wrapped layer's configuration, which would
     * drop the wrapper from a saved network.
     */
    private static NeuralNetConfiguration unfrozenConf(NeuralNetConfiguration stored) {
        org.deeplearning4j.nn.conf.layers.Layer layer = stored.getLayer();
        org.deeplearning4j.nn.conf.layers.Layer inner = layer;
        while (inner instanceof SelectiveFreezeLayer || Wrappers.unfrozen(inner) != inner) {
            inner = inner instanceof SelectiveFreezeLayer s ? s.getUnderlying() : Wrappers.unfrozen(inner);
        }
        if (inner == layer) {
            return stored;
        }
        NeuralNetConfiguration conf = stored.clone();
        conf.setLayer(inner);
        return conf;
    }

    private static void installStep(NetworkSlots adapter, StepFunction step, boolean required) {
        ConvexOptimizer optimizer = adapter.optimizerIfCreated();
        if (optimizer instanceof BaseOptimizer bo) {
            Dl4jFields.STEP_FUNCTION.set(bo, step);
        } else if (required) {
            throw new IllegalStateException("the network's optimizer is " + (optimizer == null ? "missing"
                    : optimizer.getClass().getName()) + " after installing the updater; the compact gradient needs"
                    + " DL4J's StochasticGradientDescent");
        }
    }

    /**
     * Puts Spectrum's compact updater and optimizer step back if DL4J dropped them while the network's gradient array
     * is still Spectrum's ({@code MultiLayerNetwork.clear()} drops the solver; a failed {@code setLearningRate} the
     * updater): same layout, optimizer state carried over from the last installed updater. Call it before the
     * updater runs in an iteration, e.g. from {@code onGradientCalculation}; a no-op when nothing is missing.
     *
     * @return whether anything was re-installed
     */
    static boolean reinstallCompactUpdater(NetworkSlots adapter) {
        GradientLayout layout = CompactUpdaters.layoutOf(adapter.lastInstalled());
        if (layout == null || adapter.gradientArray() != layout.gradient() || layoutIntact(adapter, true)) {
            return false;
        }
        BaseMultiLayerUpdater<?> current = adapter.currentUpdater();
        BaseMultiLayerUpdater<?> source = CompactUpdaters.layoutOf(current) == layout ? current : adapter.lastInstalled();
        BaseMultiLayerUpdater<?> fresh = adapter.newCompactUpdater(layout);
        UpdaterStates.restore(fresh, UpdaterStates.views(source));
        adapter.install(fresh);
        installStep(adapter, new SegmentStep(layout), true);
        return true;
    }

    /**
     * Whether the network still has the gradient layout Spectrum installed: with {@code compact}, its gradient array,
     * updater and optimizer step are Spectrum's compact ones and belong together; without, none of them is.
     */
    static boolean layoutIntact(NetworkSlots adapter, boolean compact) {
        BaseMultiLayerUpdater<?> u = adapter.currentUpdater();
        GradientLayout layout = CompactUpdaters.layoutOf(u);
        ConvexOptimizer o = adapter.optimizerIfCreated();
        Object step = o instanceof BaseOptimizer bo ? Dl4jFields.STEP_FUNCTION.get(bo) : null;
        INDArray gradient = adapter.gradientArray();
        if (!compact || !adapter.supportsCompactGradient()) {
            return u != null && layout == null && !(step instanceof SegmentStep);
        }
        return layout != null && gradient == layout.gradient() && step instanceof SegmentStep s && s.belongsTo(layout);
    }

    private static long gradientLength(NetworkSlots adapter) {
        INDArray g = adapter.gradientArray();
        return g == null ? 0 : g.length();
    }

    /**
     * Whether a network carries a freeze applied by this class (e.g. restored from a saved model); with
     * {@code adoptUserFrozen}, a layer the user froze counts as such a freeze too.
     */
    static boolean hasSpectrumFreeze(NetworkSlots adapter, boolean adoptUserFrozen) {
        for (String name : adapter.layerNames()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = adapter.layerConf(name).getLayer();
            if (conf instanceof SelectiveFreezeLayer || conf instanceof SpectrumFrozenLayer
                    || adapter.layer(name) instanceof SelectiveFreezeLayerImpl
                    || (adoptUserFrozen && adapter.frozenByUser(name))) {
                return true;
            }
        }
        return false;
    }
}
