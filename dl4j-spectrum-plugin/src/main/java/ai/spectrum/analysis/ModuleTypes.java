package ai.spectrum.analysis;

/** The original tool's grouping of modules into types. */
public final class ModuleTypes {
    private ModuleTypes() {
    }

    /**
     * The type of a dotted module path: everything after the first all-digit component
     * ({@code model.layers.3.mlp.down_proj} → {@code mlp.down_proj}), or the whole name when there is none
     * ({@code lm_head} → {@code lm_head}) or nothing follows the index.
     */
    public static String fromPath(String name) {
        String[] parts = name.split("\\.", -1);
        for (int i = 0; i < parts.length; i++) {
            if (isDigits(parts[i])) {
                if (i == parts.length - 1) {
                    return name;
                }
                return String.join(".", java.util.Arrays.copyOfRange(parts, i + 1, parts.length));
            }
        }
        return name;
    }

    /** Whether the name has an all-digit path component, i.e. {@link #fromPath} groups it by position. */
    public static boolean hasIndexComponent(String name) {
        for (String p : name.split("\\.", -1)) {
            if (isDigits(p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
