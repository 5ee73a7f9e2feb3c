package ai.spectrum.samples.bench;

/**
 * Lets the heap settle before a memory reading: three {@code System.gc()} calls 100 ms apart, so that garbage of
 * what ran before does not count in the resident set read next.
 */
public final class SettledMemory {
    private SettledMemory() {
    }

    /** Collects garbage three times, 100 ms apart; returns early, with the interrupt flag set, if interrupted. */
    public static void collectGarbage() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
