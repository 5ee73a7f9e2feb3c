package ai.spectrum.analysis;

/** A weight tensor whose SNR is undefined: it holds NaN or infinite values, or is all zeros. */
public final class DegenerateWeightsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String module;

    public DegenerateWeightsException(String module, String problem) {
        super("module '" + module + "': " + problem);
        this.module = module;
    }

    /** The offending module's name. */
    public String module() {
        return module;
    }
}
