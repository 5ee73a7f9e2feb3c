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

    private final NetworkSlots slots;
    private final boolean compactGradient;
    private final NormLayers normLayers;

    private NetworkFreeze(NetworkSlots slots, boolean compactGradient, NormLayers normLayers) {
        this.slots = slots;
        this.compactGradient = compactGradient;
        this.normLayers = normLayers;
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
        return new NetworkFreeze(NetworkSlots.of(Objects.requireNonNull(network, "network")), compactGradient,
                Objects.requireNonNull(normLayers, "normLayers"));
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
     * @throws IllegalArgumentException if a name is not a weight module of the network
     */
    public Applied apply(Set<String> trainableModules) {
        FreezePlan plan = FreezePlan.forModules(slots, slots.network().weights(), trainableModules,
                normLayers);
        Freezer.Outcome outcome = Freezer.apply(slots, plan, compactGradient);
        List<String> structural = new ArrayList<>();
        for (String layer : plan.layers()) {
            if (plan.structural().contains(layer)) {
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
        if (!Freezer.hasSpectrumFreeze(slots)) {
            return Optional.empty();
        }
        Set<String> out = new LinkedHashSet<>();
        for (NetworkWeights.Entry e : slots.network().weights().entries()) {
            Layer l = slots.layer(e.layer());
            if (l instanceof SelectiveFreezeLayerImpl s) {
                if (!s.selectiveConfig().isFrozen(e.paramKey())) {
                    out.add(e.info().name());
                }
            } else if (!(l instanceof FrozenLayer)) {
                out.add(e.info().name());
            }
        }
        return Optional.of(Collections.unmodifiableSet(out));
    }
}
