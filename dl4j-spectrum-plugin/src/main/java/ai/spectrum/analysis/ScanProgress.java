package ai.spectrum.analysis;

/**
 * Progress of a scan. Every method is a no-op by default. Calls are serialized (never concurrent) even when the
 * analyzer works in parallel, and arrive in completion order, which may differ from the source order.
 */
public interface ScanProgress {
    /** A progress listener that ignores everything. */
    ScanProgress NOOP = new ScanProgress() {
    };

    /** Called once, before any module is analysed, with the number of modules to analyse. */
    default void started(int total) {
    }

    /** Called once per analysed module, after its score is known; {@code done} counts from 1 to total. */
    default void moduleDone(ModuleScore score, int done, int total) {
    }
}
