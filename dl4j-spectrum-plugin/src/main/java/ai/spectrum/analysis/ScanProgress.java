package ai.spectrum.analysis;

/**
 * Progress of a scan. Modules taken from an earlier, interrupted scan are not reported (nor counted in totals). Every method is a no-op by default. Calls are serialized (never concurrent) even when the
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

    /**
     * Called once, before any module is analysed, instead of {@link #started(int)} by analyzers that estimate work:
     * {@code totalWork} is the arithmetic of all modules to analyse, in arbitrary units proportional to time (a
     * 128,256×2048 embedding weighs about 500 times a 2048×2048 matrix). Default: {@code started(total)}.
     */
    default void started(int total, long totalWork) {
        started(total);
    }

    /**
     * Called once per analysed module instead of {@link #moduleDone(ModuleScore, int, int)} by analyzers that
     * estimate work; {@code work} is this module's share of {@code totalWork}. Default:
     * {@code moduleDone(score, done, total)}.
     */
    default void moduleDone(ModuleScore score, int done, int total, long work) {
        moduleDone(score, done, total);
    }

    /** A listener that forwards every call to {@code first}, then to {@code second}. */
    static ScanProgress both(ScanProgress first, ScanProgress second) {
        java.util.Objects.requireNonNull(first, "first");
        java.util.Objects.requireNonNull(second, "second");
        return new ScanProgress() {
            @Override
            public void started(int total) {
                first.started(total);
                second.started(total);
            }

            @Override
            public void moduleDone(ModuleScore score, int done, int total) {
                first.moduleDone(score, done, total);
                second.moduleDone(score, done, total);
            }

            @Override
            public void started(int total, long totalWork) {
                first.started(total, totalWork);
                second.started(total, totalWork);
            }

            @Override
            public void moduleDone(ModuleScore score, int done, int total, long work) {
                first.moduleDone(score, done, total, work);
                second.moduleDone(score, done, total, work);
            }
        };
    }
}
