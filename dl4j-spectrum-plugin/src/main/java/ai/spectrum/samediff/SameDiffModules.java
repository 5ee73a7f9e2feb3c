package ai.spectrum.samediff;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.WeightInfo;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The modules of a {@link SameDiff} graph, for analysis and selection: every trainable floating-point variable
 * ({@link VariableType#VARIABLE}) is assigned to a module by a {@link ModuleNaming}; each variable of rank ≥ 2 is a
 * weight matrix that is scored. A module with one matrix is named by the naming; a module with several (e.g. an
 * LSTM's input and recurrent kernels) is split into one scored module per matrix, named by the variable. The
 * module's variables of rank &lt; 2 train when any of its matrices trains; those of a module without a matrix (layer
 * norms) stay frozen, like layers without weight matrices under {@code SpectrumListener}.
 *
 * <pre>{@code
 * SameDiffModules modules = SameDiffModules.of(sd);
 * ScanResult scan = SpectrumAnalyzer.builder().build().scan(modules.weights(), ScanProgress.NOOP);
 * }</pre>
 *
 * <p>The arrays behind {@link #weights()} are the graph's live arrays.
 */
public final class SameDiffModules {
    private final NetworkWeights weights;
    private final Set<String> managed;
    private final Map<String, List<String>> variablesByModule;

    private SameDiffModules(NetworkWeights weights, Set<String> managed, Map<String, List<String>> variablesByModule) {
        this.weights = weights;
        this.managed = Collections.unmodifiableSet(managed);
        this.variablesByModule = Collections.unmodifiableMap(variablesByModule);
    }

    /** The modules of a graph's trainable variables, named by {@link ModuleNaming#byPath()}. */
    public static SameDiffModules of(SameDiff sd) {
        return of(sd, ModuleNaming.byPath());
    }

    /**
     * The modules of a graph's trainable variables.
     *
     * @throws IllegalArgumentException if the graph has no trainable floating-point variable, none of rank ≥ 2, or
     *                                  the naming returns null for a variable
     */
    public static SameDiffModules of(SameDiff sd, ModuleNaming naming) {
        return of(sd, naming, trainableVariables(sd));
    }

    /**
     * The modules of the given variables (trainable or, when Spectrum froze them, constants), in graph order.
     *
     * @throws IllegalArgumentException if a name is not a floating-point variable or constant with an array, or as
     *                                  for {@link #of(SameDiff, ModuleNaming)}
     */
    static SameDiffModules of(SameDiff sd, ModuleNaming naming, Collection<String> variables) {
        Objects.requireNonNull(naming, "naming");
        if (variables.isEmpty()) {
            throw new IllegalArgumentException(describeEmpty(sd));
        }
        Set<String> wanted = new LinkedHashSet<>(variables);
        Map<String, List<SDVariable>> matrices = new LinkedHashMap<>();
        Map<String, String> typeOf = new LinkedHashMap<>();
        Map<String, List<String>> members = new LinkedHashMap<>();
        Set<String> managed = new LinkedHashSet<>();
        for (SDVariable v : sd.variables()) {
            if (!wanted.remove(v.name())) {
                continue;
            }
            if ((v.getVariableType() != VariableType.VARIABLE && v.getVariableType() != VariableType.CONSTANT)
                    || !v.dataType().isFPType() || v.getArr() == null) {
                throw new IllegalArgumentException("'" + v.name() + "' is not a floating-point variable with an array ("
                        + v.getVariableType() + ", " + v.dataType() + ")");
            }
            ModuleNaming.Module m = naming.moduleOf(v.name());
            if (m == null) {
                throw new IllegalArgumentException("the module naming returned null for variable '" + v.name() + "'");
            }
            managed.add(v.name());
            members.computeIfAbsent(m.module(), k -> new ArrayList<>()).add(v.name());
            if (v.getArr().rank() >= 2) {
                matrices.computeIfAbsent(m.module(), k -> new ArrayList<>()).add(v);
                typeOf.put(v.name(), m.type());
            }
        }
        if (!wanted.isEmpty()) {
            throw new IllegalArgumentException("the graph has no variables " + wanted);
        }
        List<NetworkWeights.Entry> entries = new ArrayList<>();
        Map<String, List<String>> byModule = new LinkedHashMap<>();
        for (Map.Entry<String, List<SDVariable>> e : matrices.entrySet()) {
            String group = e.getKey();
            List<SDVariable> ms = e.getValue();
            List<String> vectors = members.get(group).stream()
                    .filter(n -> ms.stream().noneMatch(m -> m.name().equals(n))).toList();
            for (SDVariable m : ms) {
                String module = ms.size() == 1 ? group : m.name();
                INDArray arr = m.getArr();
                entries.add(new NetworkWeights.Entry(new WeightInfo(module, typeOf.get(m.name()), arr.shape()),
                        group, m.name(), arr));
                List<String> vars = new ArrayList<>();
                vars.add(m.name());
                vars.addAll(vectors); // a vector trains when any matrix of its group trains
                byModule.put(module, List.copyOf(vars));
            }
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("the SameDiff graph has " + managed.size() + " trainable variables but "
                    + "none of rank ≥ 2 (no weight matrix to score): " + managed);
        }
        return new SameDiffModules(NetworkWeights.of("SameDiff", entries), managed, byModule);
    }

    /** The names of a graph's trainable floating-point variables with arrays, in graph order. */
    static List<String> trainableVariables(SameDiff sd) {
        List<String> out = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE && v.dataType().isFPType() && v.getArr() != null) {
                out.add(v.name());
            }
        }
        return out;
    }

    private static String describeEmpty(SameDiff sd) {
        long placeholders = sd.variables().stream()
                .filter(v -> v.getVariableType() == VariableType.PLACEHOLDER).count();
        if (placeholders > 0 && placeholders == sd.variables().stream()
                .filter(v -> v.getVariableType() != VariableType.ARRAY).count()) {
            return "the SameDiff graph has only placeholders (" + placeholders + ") and no trainable variables: "
                    + "create weights with sd.var(...), or convert constants with sd.convertToVariables(...)";
        }
        return "the SameDiff graph has no trainable floating-point variables (VARIABLE type): nothing to train; "
                + "convert constants with sd.convertToVariables(...) first";
    }

    /** The scored weight matrices, one entry per module, in graph order; {@code Entry.paramKey} is the variable. */
    public NetworkWeights weights() {
        return weights;
    }

    /** Every variable managed here (matrices and the vectors of their modules), in graph order. */
    public Set<String> variables() {
        return managed;
    }

    /** The variables that train when exactly these modules are selected, in graph order. */
    public Set<String> variablesOf(Collection<String> modules) {
        Set<String> chosen = new java.util.HashSet<>();
        for (String m : modules) {
            List<String> vars = variablesByModule.get(m);
            if (vars == null) {
                throw new IllegalArgumentException("'" + m + "' is not a module of the graph");
            }
            chosen.addAll(vars);
        }
        Set<String> out = new LinkedHashSet<>();
        for (String v : managed) {
            if (chosen.contains(v)) {
                out.add(v);
            }
        }
        return out;
    }

    /** The modules whose weight matrix is among these variables, in graph order. */
    public Set<String> modulesTrainedBy(Collection<String> trainableVariables) {
        Set<String> vars = new java.util.HashSet<>(trainableVariables);
        Set<String> out = new LinkedHashSet<>();
        for (NetworkWeights.Entry e : weights.entries()) {
            if (vars.contains(e.paramKey())) {
                out.add(e.info().name());
            }
        }
        return out;
    }
}
