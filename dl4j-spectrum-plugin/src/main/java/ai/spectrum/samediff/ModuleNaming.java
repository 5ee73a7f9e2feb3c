package ai.spectrum.samediff;

import ai.spectrum.analysis.ModuleTypes;

import java.util.Objects;

/**
 * Which module a SameDiff variable belongs to and which module type it is grouped by. Spectrum scores and selects
 * modules; a module's variables of rank ≥ 2 are its weight matrices, its other variables (biases, scales) train
 * exactly when one of its matrices trains.
 *
 * <pre>{@code
 * ModuleNaming naming = variable -> variable.startsWith("decoder/")
 *         ? new ModuleNaming.Module("embeddings", "embeddings")   // a tied decoder's bias follows its embeddings
 *         : ModuleNaming.byPath().moduleOf(variable);
 * }</pre>
 */
@FunctionalInterface
public interface ModuleNaming {

    /**
     * A module and its type.
     *
     * @param module the module name results are reported under; not empty
     * @param type   the type the module is ranked within (ignored for variables of rank &lt; 2); not empty
     */
    record Module(String module, String type) {
        public Module {
            Objects.requireNonNull(module, "module");
            Objects.requireNonNull(type, "type");
            if (module.isEmpty() || type.isEmpty()) {
                throw new IllegalArgumentException("module and type must not be empty, got module='" + module
                        + "', type='" + type + "'");
            }
        }
    }

    /**
     * The module of a variable.
     *
     * @param variable the variable's name
     * @return its module and type; never null
     */
    Module moduleOf(String variable);

    /**
     * The default: the module is the name before its last {@code /} (TensorFlow/Keras scopes:
     * {@code encoder.layer.3.attention.self.query/kernel} → {@code encoder.layer.3.attention.self.query}), or the name
     * without a final {@code .weight}/{@code .bias} component (PyTorch names in ONNX imports), or else the whole name.
     * The type is the file scans' rule, {@link ModuleTypes#fromPath} of the variable name: everything after the first
     * all-digit component ({@code attention.self.query/kernel}), or the whole name when there is none.
     */
    static ModuleNaming byPath() {
        return variable -> {
            int slash = variable.lastIndexOf('/');
            String module;
            if (slash > 0) {
                module = variable.substring(0, slash);
            } else if (variable.endsWith(".weight") && variable.length() > ".weight".length()) {
                module = variable.substring(0, variable.length() - ".weight".length());
            } else if (variable.endsWith(".bias") && variable.length() > ".bias".length()) {
                module = variable.substring(0, variable.length() - ".bias".length());
            } else {
                module = variable;
            }
            return new Module(module, ModuleTypes.fromPath(variable));
        };
    }
}
