package ai.spectrum.analysis;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Worker threads for all the arithmetic of the matrices a scan analyses at once: Gram tiles, the conversion of
 * slabs to float64, the band reduction's tiles and its serial steps, the eigenvalue routines. The analyzer's own
 * threads only hand work over and wait, so the workers are the only busy threads, and they run the work of the
 * higher-priority matrix first (in {@link SpectrumAnalyzer#scan}, the largest): its Gram matrix and the parallel
 * part of its eigenvalues are finished by all workers, and while it is in a serial step (such as the band stage of
 * its eigenvalues) the other workers take the next matrix's work. Before every task went through this queue, a
 * smaller matrix's serial steps competed with the largest one's tiles for the cores and delayed it. Which worker
 * runs a task, and when, never changes its bits (see {@link SingularValues}).
 */
final class TilePool implements AutoCloseable {
    private final ThreadPoolExecutor workers;
    private final AtomicLong sequence = new AtomicLong();

    /** A pool of {@code threads} daemon workers. */
    TilePool(int threads) {
        this.workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new PriorityBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "spectrum-tiles");
                    t.setDaemon(true);
                    return t;
                });
        workers.prestartAllCoreThreads(); // so that every task passes through the priority queue
    }

    /**
     * A runner whose tasks queue behind those of every runner with a smaller {@code priority} (then in submission
     * order). {@link SingularValues.TaskRunner#runAll} blocks until its tasks have run and rethrows the first
     * failure.
     */
    SingularValues.TaskRunner runner(long priority) {
        return tasks -> {
            // even a single task is queued: serial steps must wait behind the work of higher-priority matrices
            CountDownLatch left = new CountDownLatch(tasks.size());
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (Runnable task : tasks) {
                workers.execute(new Tile(priority, sequence.getAndIncrement(), () -> {
                    try {
                        if (failure.get() == null) {
                            task.run();
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    } finally {
                        left.countDown();
                    }
                }));
            }
            try {
                left.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("analysis interrupted", e);
            }
            Throwable t = failure.get();
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error err) {
                throw err;
            }
            if (t != null) {
                throw new IllegalStateException("analysis failed: " + t, t);
            }
        };
    }

    /** Tiles waiting for a worker. */
    int queuedTiles() {
        return workers.getQueue().size();
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }

    private record Tile(long priority, long sequence, Runnable body) implements Runnable, Comparable<Tile> {
        @Override
        public void run() {
            body.run();
        }

        @Override
        public int compareTo(Tile o) {
            int c = Long.compare(priority, o.priority);
            return c != 0 ? c : Long.compare(sequence, o.sequence);
        }
    }
}
