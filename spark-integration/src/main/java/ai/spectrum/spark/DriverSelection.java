package ai.spectrum.spark;

import ai.spectrum.training.SelectionEvent;
import ai.spectrum.selection.SelectionStrategy;
import ai.spectrum.training.SpectrumListener;
import ai.spectrum.training.freeze.SelectiveFreezeLayerImpl;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The only class of this module that calls the Spectrum plugin's training API: analysis, selection and freezing of
 * the driver's network, reading which parameters the network's configuration freezes, and (optionally, on workers)
 * the compact gradient layout.
 *
 * <p>It drives a {@link SpectrumListener} by hand (never attached to a network): {@code onEpochStart} makes the first
 * selection or adopts the one a restored network carries, {@code selectNow} re-selects. The driver never trains, so
 * the listener is built without the compact gradient: the driver's updater is DL4J's plain one, whose state layout is
 * the one every worker rebuilds from the broadcast configuration ({@code new ComputationGraphUpdater(net, state)}).
 */
final class DriverSelection {
    private final SpectrumListener listener;

    /**
     * @param strategy    how modules are scored; must work from weights alone
     * @param topPercent  share of each module type to train, in (0, 100]
     * @param minSnr      modules below this SNR are not selected by rank (SNR strategy only)
     * @param alwaysTrain regular expressions over module names that always train
     * @param seed        seed of the random strategies
     * @throws IllegalArgumentException for a strategy that needs gradients or activations
     */
    DriverSelection(SelectionStrategy strategy, double topPercent, double minSnr, List<String> alwaysTrain,
                    long seed) {
        if (strategy.needsGradients() || strategy.needsActivations()) {
            throw new IllegalArgumentException("strategy '" + strategy.name() + "' scores modules from "
                    + (strategy.needsGradients() ? "gradients" : "activations") + ", which exist only on the Spark "
                    + "workers; Spectrum selects on the driver from the averaged weights, so use a weight-based "
                    + "strategy (snr, random, firstK, lastK, lisa)");
        }
        SpectrumListener.Builder b = SpectrumListener.builder()
                .optStrategy(strategy)
                .optTopPercent(topPercent)
                .optAlwaysTrain(alwaysTrain.toArray(String[]::new))
                .optSeed(seed)
                .optCompactGradient(false);
        if (minSnr != Double.NEGATIVE_INFINITY) {
            b.optMinSnr(minSnr); // the listener rejects a minimum SNR with a strategy that does not score by SNR
        }
        this.listener = b.build();
    }

    /**
     * Makes the first selection if the network has none, or adopts the selection its configuration carries (a
     * restored model); a no-op for a network seen before. Call outside training.
     */
    void ensureSelected(Model net) {
        listener.onEpochStart(net);
    }

    /** Analyses the network's current weights, selects and applies the freeze. Call outside training. */
    SelectionEvent reselect(Model net) {
        return listener.selectNow(net);
    }

    /** Every selection made so far, oldest first. */
    List<SelectionEvent> history() {
        return listener.history();
    }

    /** The modules currently trained. */
    Set<String> trainableModules() {
        return listener.selected();
    }

    /**
     * Copies of every parameter the network's layers freeze (DL4J {@code FrozenLayer}, or the frozen parameters of
     * a {@code SelectiveFreezeLayer}).
     */
    static FrozenValues snapshotFrozen(Model net) {
        List<FrozenValues.Entry> out = new ArrayList<>();
        for (Layer l : layers(net)) {
            if (l instanceof FrozenLayer) {
                for (String key : l.paramTable().keySet()) {
                    out.add(new FrozenValues.Entry(l, key, l.getParam(key).dup()));
                }
            } else if (l instanceof SelectiveFreezeLayerImpl s) {
                for (String key : s.selectiveConfig().frozenParams()) {
                    INDArray v = l.getParam(key);
                    if (v != null) {
                        out.add(new FrozenValues.Entry(l, key, v.dup()));
                    }
                }
            }
        }
        return new FrozenValues(out);
    }

    /**
     * On a worker: switches a network built from a configuration that carries a Spectrum freeze to the plugin's
     * compact gradient layout (same freeze, optimizer state carried over); a no-op for a network without a freeze.
     * Works on the worker's own copy; the driver's selection is not touched.
     */
    static void installCompactGradient(Model net) {
        if (!hasFreeze(net)) {
            return;
        }
        // a fresh listener adopts the selection the network carries and, at an epoch start, re-applies its layout
        SpectrumListener.builder().optCompactGradient(true).build().onEpochStart(net);
    }

    private static boolean hasFreeze(Model net) {
        for (Layer l : layers(net)) {
            if (l instanceof FrozenLayer || l instanceof SelectiveFreezeLayerImpl) {
                return true;
            }
        }
        return false;
    }

    /**
     * Refuses Spectrum's listener as a Spark training listener: Spark runs listeners on the workers, each of which
     * would select on its own.
     */
    static void rejectWorkerSideSpectrum(Collection<? extends TrainingListener> listeners) {
        if (listeners == null) {
            return;
        }
        for (TrainingListener l : listeners) {
            if (l instanceof SpectrumListener) {
                throw new IllegalArgumentException("SpectrumListener cannot be a Spark training listener: Spark "
                        + "runs listeners on the workers, and each would select and freeze on its own; "
                        + "SpectrumTrainingMaster selects on the driver and broadcasts the selection");
            }
        }
    }

    private static Layer[] layers(Model net) {
        if (net instanceof ComputationGraph cg) {
            return cg.getLayers();
        }
        if (net instanceof MultiLayerNetwork mln) {
            return mln.getLayers();
        }
        throw new IllegalArgumentException("Spectrum on Spark supports ComputationGraph and MultiLayerNetwork, got "
                + (net == null ? "null" : net.getClass().getName()));
    }
}
