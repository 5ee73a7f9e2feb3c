package ai.spectrum.cli;

import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * ND4J's backend started on a background thread. Loading its native libraries and classes costs about half a
 * second of CPU before the first array; begun first thing in {@code main}, it overlaps picocli's set-up, the parsing
 * of the command line and the reading of the model's header. A command calls {@link #awaitReady()} before its first
 * array: a failure of the start is rethrown there, on the command's thread, as if the command had started the backend
 * itself.
 */
final class BackendStart {
    /** No background start: {@link #awaitQuietly()} returns at once. */
    static final BackendStart NONE = new BackendStart(null, null);
    private static final Logger LOG = LoggerFactory.getLogger(BackendStart.class);
    private static volatile BackendStart current = NONE;
    private final Thread thread;
    private final Runnable start;
    private volatile Throwable failure;

    private BackendStart(Thread thread, Runnable start) {
        this.thread = thread;
        this.start = start;
    }

    /** Starts ND4J's backend (and its BLAS/LAPACK wrappers) on a daemon thread. */
    static BackendStart begin() {
        return begin(() -> {
            Nd4j.getBackend();
            Nd4j.getBlasWrapper().lapack();
            Nd4j.getEnvironment();
        });
    }

    /** Runs {@code start} on a daemon thread and makes it the one {@link #awaitReady()} waits for. */
    static BackendStart begin(Runnable start) {
        BackendStart[] self = new BackendStart[1];
        Thread t = new Thread(() -> self[0].run(), "spectrum-backend-start");
        t.setDaemon(true);
        self[0] = new BackendStart(t, start);
        current = self[0];
        t.start();
        return self[0];
    }

    private void run() {
        try {
            start.run();
        } catch (Throwable e) { // rethrown to the command by awaitReady
            failure = e;
            LOG.debug("starting the ND4J backend failed", e);
        }
    }

    /**
     * Waits for the backend start begun by {@link #begin()}, if any.
     *
     * @throws RuntimeException the start's own failure (an {@link Error} likewise), unwrapped
     */
    static void awaitReady() {
        BackendStart b = current;
        b.join();
        if (b.failure != null) {
            throw rethrow(b.failure);
        }
    }

    /** Throws {@code e} itself if unchecked, else wrapped; declared to return for {@code throw rethrow(e)}. */
    static Error rethrow(Throwable e) {
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        throw new IllegalStateException("starting the ND4J backend failed: " + e, e);
    }

    /** The failure of the backend start begun last, if it failed. */
    static Optional<Throwable> failure() {
        return Optional.ofNullable(current.failure);
    }

    /** Waits for the start to end, without rethrowing its failure. */
    void awaitQuietly() {
        join();
        if (current == this) {
            current = NONE;
        }
    }

    private void join() {
        if (thread == null) {
            return;
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // the native start cannot be stopped; wait for it, then restore the flag
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
