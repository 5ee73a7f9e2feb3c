package ai.spectrum.analysis;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Worker threads for all the arithmetic of the matrices a scan analyses at once: Gram tiles, the conversion of
 * slabs to float64, the band reduction's tiles and its serial steps, the eigenvalue routines. The analyzer's own
 * threads load matrices and hand their arithmetic over (apart from the rare {@code gesvd} fallback), so the workers
 * are almost the only busy threads. Eigenvalue work of any matrix runs first, first come first served (see
 * {@link #EIGENVALUE_PRIORITY}); Gram work runs by matrix priority (in {@link SpectrumAnalyzer#scan}, largest
 * first), so the largest Gram matrix is finished by all workers, and while a matrix is in a serial step the other
 * workers take other work. Before every task went through this queue, a smaller matrix's serial steps competed with
 * the largest one's tiles for the cores and delayed it. Which worker runs a task, and when, never changes its bits
 * (see {@link SingularValues}).
 */
final class TilePool implements AutoCloseable {
    /**
     * Priority of every matrix's eigenvalue work: ahead of all Gram tiles, first come first served among matrices.
     * Two large matrices' band reductions then advance together and their serial band stages run side by side at
     * the end, instead of the second one's running alone on one core after the first has finished.
     */
    static final long EIGENVALUE_PRIORITY = Long.MIN_VALUE;
    /** Whether the current thread is a worker of some pool. */
    private static final ThreadLocal<Boolean> IN_WORKER = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private final ThreadPoolExecutor workers;
    private final AtomicLong sequence = new AtomicLong();

    /** A pool of {@code threads} daemon workers. */
    TilePool(int threads) {
        this.workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new PriorityBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(() -> {
                        IN_WORKER.set(Boolean.TRUE);
                        r.run();
                    }, "spectrum-tiles");
                    t.setDaemon(true);
                    return t;
                });
        workers.prestartAllCoreThreads(); // so that every task passes through the priority queue
    }

    /**
     * A runner whose tasks queue behind those of every runner with a smaller {@code priority} (then in submission
     * order). {@link SingularValues.TaskRunner#runAll} blocks until every task it submitted has finished or been
     * skipped, even when the waiting thread is interrupted (the tasks use memory its caller frees on return; once
     * interrupted or failed, tasks not yet started are skipped), then rethrows the first failure.
     */
    SingularValues.TaskRunner runner(long priority) {
        SingularValues.TaskRunner gram = batch(priority);
        SingularValues.TaskRunner eigenvalues = batch(EIGENVALUE_PRIORITY);
        return new SingularValues.TaskRunner() {
            @Override
            public void runAll(List<Runnable> tasks) {
                gram.runAll(tasks);
            }

            @Override
            public SingularValues.TaskRunner forEigenvalues() {
                return eigenvalues;
            }
        };
    }

    private SingularValues.TaskRunner batch(long priority) {
        return tasks -> {
            if (IN_WORKER.get()) { // a task that runs tasks: queueing them could leave every worker waiting
                SingularValues.TaskRunner.inline().runAll(tasks);
                return;
            }
            // even a single task is queued: serial steps must wait behind the work of higher-priority matrices
            CountDownLatch left = new CountDownLatch(tasks.size());
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int submitted = 0;
            try {
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
                    }, () -> {
                        failure.compareAndSet(null, new IllegalStateException("the analysis was stopped"));
                        left.countDown();
                    }));
                    submitted++;
                }
            } catch (RejectedExecutionException e) {
                failure.compareAndSet(null, new IllegalStateException("the analysis was stopped", e));
                for (int i = submitted; i < tasks.size(); i++) {
                    left.countDown();
                }
            }
            boolean interrupted = false;
            while (true) {
                try {
                    left.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    failure.compareAndSet(null, e); // tasks not started yet are skipped
                }
            }
            Throwable t = failure.get();
            if (interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("analysis interrupted", t);
            }
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

    /** Stops the workers; tasks still queued are skipped and their callers' {@code runAll} fails. */
    @Override
    public void close() {
        for (Runnable dropped : workers.shutdownNow()) {
            if (dropped instanceof Tile tile) {
                tile.drop().run();
            }
        }
    }

    /** A queued task: {@code body} runs it, {@code drop} releases its caller when it will never run. */
    private record Tile(long priority, long sequence, Runnable body, Runnable drop)
            implements Runnable, Comparable<Tile> {
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
