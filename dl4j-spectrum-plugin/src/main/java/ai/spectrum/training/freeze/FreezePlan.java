package ai.spectrum.training.freeze;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.dl4j.Wrappers;
import org.deeplearning4j.nn.api.layers.IOutputLayer;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which parameters of which layers are frozen, and which layers are frozen structurally.
 *
 * <p>A weight matrix trains exactly when its module is selected; a layer's other parameters (bias, layer-norm gain)
 * train when any weight matrix of that layer trains. A layer with parameters but no weight matrix (batch
 * normalization, a SameDiff norm layer) trains as its {@link NetworkFreeze.NormLayers} rule says; layers without
 * parameters (activation, pooling) have nothing to freeze.
 *
 * @param frozenParams per layer slot, its frozen parameter keys (every layer slot is present; empty = trainable)
 * @param structural   the fully frozen layers that are swapped to DL4J's {@code FrozenLayer} (no backprop through
 *                     them); all other layers with frozen parameters are frozen through {@link SelectiveFreezeLayer}
 * @param kept         layers the user froze, left exactly as configured (fully frozen in {@code frozenParams}; they
 *                     may be in {@code structural}, which then only says that nothing above needs their backprop)
 */
record FreezePlan(Map<String, Set<String>> frozenParams, Set<String> structural, Set<String> kept) {
    FreezePlan {
        Map<String, Set<String>> copy = new LinkedHashMap<>();
        frozenParams.forEach((k, v) -> copy.put(k, Collections.unmodifiableSet(new TreeSet<>(v))));
        frozenParams = Collections.unmodifiableMap(copy);
        structural = Set.copyOf(structural);
        kept = Set.copyOf(kept);
        for (String s : structural) {
            if (!frozenParams.containsKey(s)) {
                throw new IllegalArgumentException("structural layer '" + s + "' is not a layer of the plan");
            }
        }
    }

    /** A plan that keeps no user-frozen layer. */
    FreezePlan(Map<String, Set<String>> frozenParams, Set<String> structural) {
        this(frozenParams, structural, Set.of());
    }

    /**
     * The plan that trains exactly the given modules.
     *
     * @param adapter          the network
     * @param weights          its weight matrices (module names)
     * @param trainableModules selected module names; each must be a module of {@code weights}
     */
    static FreezePlan forModules(NetworkSlots adapter, NetworkWeights weights, Set<String> trainableModules) {
        return forModules(adapter, weights, trainableModules, NetworkFreeze.NormLayers.WITH_INPUT_LAYER,
                NetworkFreeze.UserFrozenLayers.KEEP);
    }

    /**
     * The plan that trains exactly the given modules, with layers that have parameters but no weight matrix trained
     * by {@code normLayers}, and layers the user froze kept or adopted as {@code userFrozen} says.
     *
     * @throws IllegalArgumentException if a module is not a weight module of the network, or is in a layer the user
     *                                  froze that is kept
     */
    static FreezePlan forModules(NetworkSlots adapter, NetworkWeights weights, Set<String> trainableModules,
            NetworkFreeze.NormLayers normLayers, NetworkFreeze.UserFrozenLayers userFrozen) {
        Objects.requireNonNull(trainableModules, "trainableModules");
        Objects.requireNonNull(normLayers, "normLayers");
        Set<String> kept = keptLayers(adapter, userFrozen);
        for (String m : trainableModules) {
            NetworkWeights.Entry e = weights.entry(m).orElseThrow(() ->
                    new IllegalArgumentException("'" + m + "' is not a weight module of the network"));
            if (kept.contains(e.layer())) {
                String wrapper = adapter.layerConf(e.layer()).getLayer().getClass().getSimpleName();
                throw new IllegalArgumentException("module '" + m + "' is in layer '" + e.layer() + "', which was "
                        + "frozen before Spectrum (" + wrapper + ") and stays frozen; UserFrozenLayers.SELECTABLE "
                        + "(listener: optTrainUserFrozen(true)) lets Spectrum train it");
            }
        }
        Map<String, Set<String>> frozen = new LinkedHashMap<>();
        Set<String> fullyFrozen = new HashSet<>();
        Map<String, Boolean> weightLayerTrains = weightLayerTrains(weights, trainableModules);
        for (String layer : adapter.layerNames()) {
            Set<String> params = new LinkedHashSet<>(Wrappers.unfrozen(adapter.layer(layer)).paramTable().keySet());
            if (kept.contains(layer)) {
                frozen.put(layer, params);
                fullyFrozen.add(layer);
                continue;
            }
            Set<String> weightParams = new HashSet<>();
            boolean anyTrainable = false;
            Set<String> trainable = new HashSet<>();
            for (NetworkWeights.Entry e : weights.entries()) {
                if (e.layer().equals(layer)) {
                    weightParams.add(e.paramKey());
                    if (trainableModules.contains(e.info().name())) {
                        trainable.add(e.paramKey());
                        anyTrainable = true;
                    }
                }
            }
            if (weightParams.isEmpty() && !params.isEmpty()) {
                anyTrainable = normTrains(adapter, layer, normLayers, weightLayerTrains, kept);
            }
            Set<String> f = new TreeSet<>();
            for (String p : params) {
                boolean trains = weightParams.contains(p) ? trainable.contains(p) : anyTrainable;
                if (!trains) {
                    f.add(p);
                }
            }
            frozen.put(layer, f);
            if (f.size() == params.size()) {
                fullyFrozen.add(layer);
            }
        }
        return new FreezePlan(frozen, withoutOutputLayers(adapter, adapter.structurallyFreezable(fullyFrozen)), kept);
    }

    /** The layers the user froze that stay as configured: all of them, unless they are adopted. */
    static Set<String> keptLayers(NetworkSlots adapter, NetworkFreeze.UserFrozenLayers userFrozen) {
        Set<String> out = new LinkedHashSet<>();
        if (userFrozen == NetworkFreeze.UserFrozenLayers.KEEP) {
            for (String layer : adapter.layerNames()) {
                if (adapter.frozenByUser(layer)) {
                    out.add(layer);
                }
            }
        }
        return out;
    }

    /**
     * DL4J's {@code FrozenLayer} refuses output layers ("Output Layers are not allowed to be frozen"): a frozen output
     * layer (e.g. the unselected head of a multi-task graph) is frozen through {@link SelectiveFreezeLayer} instead.
     */
    private static Set<String> withoutOutputLayers(NetworkSlots adapter, Set<String> structural) {
        Set<String> out = new HashSet<>(structural);
        out.removeIf(l -> Wrappers.unfrozen(adapter.layer(l)) instanceof IOutputLayer);
        return out;
    }

    /** Per layer with weight matrices, whether any of them trains. */
    private static Map<String, Boolean> weightLayerTrains(NetworkWeights weights, Set<String> trainableModules) {
        Map<String, Boolean> out = new HashMap<>();
        for (NetworkWeights.Entry e : weights.entries()) {
            out.merge(e.layer(), trainableModules.contains(e.info().name()), Boolean::logicalOr);
        }
        return out;
    }

    /**
     * Whether a layer with parameters but no weight matrix trains: always, never, or when a nearest weight layer
     * feeding it (looking upstream through layers without weight matrices) trains, or when none feeds it. A layer
     * the user froze ({@code kept}) is no such weight layer, and the search does not go past it: a norm layer fed only
     * by user-frozen layers trains, as it does without Spectrum.
     */
    private static boolean normTrains(NetworkSlots adapter, String layer, NetworkFreeze.NormLayers rule,
            Map<String, Boolean> weightLayerTrains, Set<String> kept) {
        return switch (rule) {
            case ALWAYS_TRAIN -> true;
            case FROZEN -> false;
            case WITH_INPUT_LAYER -> {
                Set<String> seen = new HashSet<>();
                Deque<String> todo = new ArrayDeque<>(adapter.network().feedingLayers(layer));
                boolean found = false;
                while (!todo.isEmpty()) {
                    String l = todo.removeFirst();
                    if (!seen.add(l) || kept.contains(l)) {
                        continue;
                    }
                    Boolean trains = weightLayerTrains.get(l);
                    if (trains == null) {
                        todo.addAll(adapter.network().feedingLayers(l));
                    } else if (trains) {
                        yield true;
                    } else {
                        found = true;
                    }
                }
                yield !found;
            }
        };
    }

    /** Layers with at least one frozen parameter that stay on the backprop path. */
    Set<String> selective() {
        Set<String> out = new LinkedHashSet<>();
        frozenParams.forEach((k, v) -> {
            if (!v.isEmpty() && !structural.contains(k)) {
                out.add(k);
            }
        });
        return out;
    }

    /** Layer names in order. */
    List<String> layers() {
        return List.copyOf(frozenParams.keySet());
    }
}
