package ai.spectrum.analysis;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Worker threads for the Gram tiles of the matrices a scan analyses at once, which run the tiles of the
 * higher-priority matrix first (in {@link SpectrumAnalyzer#scan}, the largest): its Gram matrix is finished by all
 * workers and its eigenvalue step, which runs on one thread, starts early and overlaps the other matrices' tiles,
 * instead of every Gram matrix advancing at a shared rate and the largest one's eigenvalues running last, alone.
 * Which worker computes a tile, and when, never changes its bits (see {@link SingularValues}).
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
            if (tasks.size() == 1) {
                tasks.get(0).run();
                return;
            }
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
