package ai.spectrum.training;

/**
 * When the listener selects again. Counts are absolute (from the network's own iteration and epoch counters), so a
 * model restored from a checkpoint re-selects at the same points as an uninterrupted run.
 *
 * @param unit     iterations or epochs
 * @param interval re-select after every {@code interval} units, ≥ 1
 */
public record ReselectionSchedule(Unit unit, int interval) {

    /** The unit of a schedule. */
    public enum Unit {
        /** Re-select in {@code iterationDone} after every {@code interval} iterations. */
        ITERATIONS,
        /** Re-select in {@code onEpochEnd} after every {@code interval} epochs. */
        EPOCHS
    }

    public ReselectionSchedule {
        java.util.Objects.requireNonNull(unit, "unit");
        if (interval <= 0) {
            throw new IllegalArgumentException("re-selection interval must be ≥ 1 " + unit.name().toLowerCase()
                    + ", got " + interval);
        }
    }

    /** Every {@code n} iterations. */
    public static ReselectionSchedule everyIterations(int n) {
        return new ReselectionSchedule(Unit.ITERATIONS, n);
    }

    /** Every {@code n} epochs. */
    public static ReselectionSchedule everyEpochs(int n) {
        return new ReselectionSchedule(Unit.EPOCHS, n);
    }

    /** Whether to re-select in {@code iterationDone} for the 0-based iteration that just finished. */
    public boolean dueAfterIteration(int iteration) {
        return unit == Unit.ITERATIONS && (iteration + 1) % interval == 0;
    }

    /** Whether to re-select in {@code onEpochEnd} for the 0-based epoch that just finished. */
    public boolean dueAfterEpoch(int epoch) {
        return unit == Unit.EPOCHS && (epoch + 1) % interval == 0;
    }
}
