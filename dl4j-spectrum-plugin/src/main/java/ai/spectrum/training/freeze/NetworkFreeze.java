package ai.spectrum.training.freeze;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.dl4j.Dl4jNetwork;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.FrozenLayer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Spectrum's freeze of one DL4J network: trains exactly the chosen weight modules and freezes every other parameter
 * for real (no update, no optimizer state, no regularization drift), between iterations.
 *
 * <pre>{@code
 * NetworkFreeze freeze = NetworkFreeze.of(Dl4jNetwork.of(graph), true);
 * freeze.apply(Set.of("encoder.layer.5.attention.self.query", "classifier"));
 * graph.fit(data);
 * }</pre>
 *
 * <p>A weight matrix trains exactly when its module is selected; a layer's other parameters (bias, layer-norm gain)
 * train when any weight matrix of that layer trains; a layer with parameters but no weight matrix (batch
 * normalization, a SameDiff norm layer) follows its {@link NormLayers} rule, by default the weight layer feeding it.
 * When every weight module trains, every parameter trains and training is bit-identical to training without Spectrum.
 * Layers whose frozen set is closed under
 * ancestors become DL4J {@code FrozenLayer}s (no backprop); the others are wrapped in {@link SelectiveFreezeLayer}.
 * The network configuration changes with the runtime layers, so save/restore and {@code clone()} keep the freeze, and
 * optimizer state of parameters that stay trainable is carried over. With the compact gradient the network's gradient
 * array holds only layers that write gradients, and Spectrum's updater and optimizer step touch only trainable
 * parameter ranges; trained parameters are bit-identical either way.
 *
 * <p>Call only where DL4J allows changing the network: outside {@code fit}, or from a listener's
 * {@code onEpochStart}, {@code iterationDone} or {@code onEpochEnd} ({@link #reinstallDroppedUpdater()} also from
 * {@code onGradientCalculation}). Not thread-safe; one instance per network.
 */
public final class NetworkFreeze {

    /**
     * What one {@link #apply} changed.
     *
     * @param structuralLayers   layer slots frozen structurally (DL4J {@code FrozenLayer}), in slot order
     * @param partlyFrozenLayers number of layer slots with frozen parameters that stay on the backprop path
     * @param layersChanged      number of layer slots whose wrapper changed
     * @param statesKept         number of parameters whose optimizer state was carried over
     * @param stateLengthBefore  updater state elements before (0 if there was no updater yet)
     * @param stateLengthAfter   updater state elements after
     * @param gradientLength     elements of the network's flattened gradient array after the change
     */
    public record Applied(List<String> structuralLayers, int partlyFrozenLayers, int layersChanged, int statesKept,
                          long stateLengthBefore, long stateLengthAfter, long gradientLength) {
        public Applied {
            structuralLayers = List.copyOf(structuralLayers);
        }
    }

    /**
     * When a layer with parameters but no weight matrix trains: batch normalization (its gain, bias and running
     * statistics), or a SameDiff layer whose parameters are all vectors (a layer norm). Such a layer has no SNR of
     * its own; a trained one runs in training mode and its running statistics move, a frozen one keeps them.
     */
    public enum NormLayers {
        /**
         * The default: a norm layer trains exactly when a weight layer feeding it trains — the nearest layer with a
         * weight matrix upstream (through layers without weight matrices and merge vertices); one fed only by the
         * network's input always trains. A norm layer normalizes that layer's output, and its running statistics
         * describe it; DL4J's own {@code TransferLearning} freezes a batch-norm layer together with the frozen layers
         * it follows. Selecting every module therefore trains every norm layer too.
         */
        WITH_INPUT_LAYER,
        /** Norm layers always train (they are small); frozen weight layers around them are unaffected. */
        ALWAYS_TRAIN,
        /** Norm layers never train: their parameters and running statistics stay as they are. */
        FROZEN
    }

    /**
     * What happens to layers the user froze before Spectrum saw the network: DL4J {@code FrozenLayer}s (e.g. from
     * {@code TransferLearning.setFeatureExtractor}) and {@code FrozenLayerWithBackprop}s.
     */
    public enum UserFrozenLayers {
        /**
         * The default: they stay exactly as the user configured them, never selected, their modules neither
         * trained nor counted in their type's top-k ranking. Without Spectrum such a layer never trains, so only
         * this keeps "select every module" bit-identical to training without Spectrum (a
         * {@code FrozenLayerWithBackprop} still moves under weight decay or L2 exactly as DL4J moves it).
         */
        KEEP,
        /**
         * Spectrum adopts them like any other layer: they are ranked, trained when selected (the user's wrapper is
         * removed) and frozen by Spectrum otherwise; a network that carries such layers resumes them as frozen.
         * Spectrum's own structural freeze is a {@link SpectrumFrozenLayer}, so a network saved by Spectrum is never
         * mistaken for a user-frozen one; one saved before that class existed shows its frozen layers as DL4J
         * {@code FrozenLayer}s, which this setting adopts again.
         */
        SELECTABLE
    }

    private final NetworkSlots slots;
    private final boolean compactGradient;
    private final NormLayers normLayers;
    private final UserFrozenLayers userFrozen;

    private NetworkFreeze(NetworkSlots slots, boolean compactGradient, NormLayers normLayers,
            UserFrozenLayers userFrozen) {
        this.slots = slots;
        this.compactGradient = compactGradient;
        this.normLayers = normLayers;
        this.userFrozen = userFrozen;
    }

    /**
     * The freeze of a network.
     *
     * @param compactGradient allocate gradient memory only for layers that write gradients (falls back to DL4J's
     *                        full-size gradient where the network's optimizer needs it: not stochastic gradient
     *                        descent, or a gradient accumulator for parallel/distributed training)
     */
    public static NetworkFreeze of(Dl4jNetwork network, boolean compactGradient) {
        return of(network, compactGradient, NormLayers.WITH_INPUT_LAYER);
    }

    /**
     * The freeze of a network, with a rule for layers that have parameters but no weight matrix.
     *
     * @param compactGradient as in {@link #of(Dl4jNetwork, boolean)}
     * @param normLayers      when norm layers train
     */
    public static NetworkFreeze of(Dl4jNetwork network, boolean compactGradient, NormLayers normLayers) {
        return of(network, compactGradient, normLayers, UserFrozenLayers.KEEP);
    }

    /**
     * The freeze of a network, with rules for norm layers and for layers the user froze.
     *
     * @param compactGradient as in {@link #of(Dl4jNetwork, boolean)}
     * @param normLayers      when norm layers train
     * @param userFrozen      whether layers the user froze stay frozen (default {@link UserFrozenLayers#KEEP})
     * @throws UnsupportedOperationException if the network has parameters Spectrum cannot freeze (a graph vertex
     *                                       with parameters, e.g. a {@code SameDiffVertex}); nothing is changed
     */
    public static NetworkFreeze of(Dl4jNetwork network, boolean compactGradient, NormLayers normLayers,
            UserFrozenLayers userFrozen) {
        NetworkSlots slots = NetworkSlots.of(Objects.requireNonNull(network, "network"));
        slots.requireSupported();
        return new NetworkFreeze(slots, compactGradient, Objects.requireNonNull(normLayers, "normLayers"),
                Objects.requireNonNull(userFrozen, "userFrozen"));
    }

    /** The network. */
    public Dl4jNetwork network() {
        return slots.network();
    }

    /**
     * Trains exactly {@code trainableModules} and freezes the rest; a no-op (zero changes) if the network is already
     * in that state.
     *
     * @param trainableModules module names of {@link Dl4jNetwork#weights()}
     * @throws IllegalArgumentException if a name is not a weight module of the network, or names a module in a layer
     *                                  the user froze (with {@link UserFrozenLayers#KEEP}); nothing is changed
     */
    public Applied apply(Set<String> trainableModules) {
        FreezePlan plan = FreezePlan.forModules(slots, slots.network().weights(), trainableModules,
                normLayers, userFrozen);
        Freezer.Outcome outcome = Freezer.apply(slots, plan, compactGradient);
        List<String> structural = new ArrayList<>();
        for (String layer : plan.layers()) {
            if (plan.structural().contains(layer) && !plan.kept().contains(layer)) {
                structural.add(layer);
            }
        }
        return new Applied(structural, plan.selective().size(), outcome.layersChanged(), outcome.statesKept(),
                outcome.stateLengthBefore(), outcome.stateLengthAfter(), outcome.gradientLength());
    }

    /**
     * Resumes training with {@code trainableModules} after something replaced Spectrum's gradient layout (a network
     * restored from a saved model, an updater DL4J rebuilt): re-applies the freeze if the layout is not the one
     * Spectrum installs, else does nothing.
     *
     * @return whether the freeze was re-applied
     */
    public boolean resume(Set<String> trainableModules) {
        if (Freezer.layoutIntact(slots, compactGradient)) {
            return false;
        }
        apply(trainableModules);
        return true;
    }

    /**
     * Puts Spectrum's compact updater and optimizer step back if DL4J dropped them ({@code MultiLayerNetwork.clear()}
     * drops the solver; a failed {@code setLearningRate} the updater), with the optimizer state of the last installed
     * one. Call before the updater runs, e.g. from {@code onGradientCalculation}; a no-op when nothing is missing or
     * the compact gradient is off.
     *
     * @return whether anything was re-installed
     */
    public boolean reinstallDroppedUpdater() {
        return compactGradient && Freezer.reinstallCompactUpdater(slots);
    }

    /**
     * The modules the network's current freeze trains, read from its layers: present when the network carries a
     * Spectrum freeze or DL4J {@code FrozenLayer}s (e.g. restored from a model saved during Spectrum training, or
     * frozen by {@code TransferLearning}), empty otherwise.
     */
    public Optional<Set<String>> selection() {
        boolean adopt = userFrozen == UserFrozenLayers.SELECTABLE;
        if (!Freezer.hasSpectrumFreeze(slots, adopt)) {
            return Optional.empty();
        }
        Set<String> out = new LinkedHashSet<>();
        for (NetworkWeights.Entry e : slots.network().weights().entries()) {
            Layer l = slots.layer(e.layer());
            if (l instanceof SelectiveFreezeLayerImpl s) {
                if (!s.selectiveConfig().isFrozen(e.paramKey())) {
                    out.add(e.info().name());
                }
            } else if (!(l instanceof FrozenLayer) && !slots.frozenByUser(e.layer())) {
                out.add(e.info().name());
            }
        }
        return Optional.of(Collections.unmodifiableSet(out));
    }

    /**
     * The weight modules in layers the user froze that this freeze keeps frozen (never selectable), in model order;
     * empty with {@link UserFrozenLayers#SELECTABLE}.
     */
    public Set<String> userFrozenModules() {
        Set<String> kept = FreezePlan.keptLayers(slots, userFrozen);
        Set<String> out = new LinkedHashSet<>();
        for (NetworkWeights.Entry e : slots.network().weights().entries()) {
            if (kept.contains(e.layer())) {
                out.add(e.info().name());
            }
        }
        return Collections.unmodifiableSet(out);
    }
}
