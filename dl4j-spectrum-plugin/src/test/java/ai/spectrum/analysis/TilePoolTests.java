package ai.spectrum.analysis;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TilePoolTests {

    private static List<Runnable> recording(List<String> log, String prefix, int n) {
        List<Runnable> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = prefix + i;
            tasks.add(() -> log.add(name));
        }
        return tasks;
    }

    @Test
    void queuedTilesOfTheHigherPriorityMatrixRunFirstEachInSubmissionOrder() throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch release = new CountDownLatch(1);
        try (TilePool pool = new TilePool(1)) {
            // occupy the only worker (its batch's second tile waits), then queue a low-priority batch before a
            // high-priority one
            Thread blocker = occupyTheWorker(pool, release, 2);
            Thread low = daemon(() -> pool.runner(5).runAll(recording(log, "small", 3)));
            awaitQueued(pool, 4);
            Thread high = daemon(() -> pool.runner(1).runAll(recording(log, "large", 3)));
            awaitQueued(pool, 7);
            release.countDown();
            for (Thread t : List.of(blocker, low, high)) {
                t.join(10_000);
            }
        }
        assertEquals(List.of("large0", "large1", "large2", "small0", "small1", "small2"), log);
    }

    /** A serial step (one task) of a smaller matrix does not jump the queue by running on its caller's thread. */
    @Test
    void aSingleTaskWaitsBehindHigherPriorityWork() throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch release = new CountDownLatch(1);
        try (TilePool pool = new TilePool(1)) {
            Thread blocker = occupyTheWorker(pool, release, 1);
            Thread high = daemon(() -> pool.runner(1).runAll(recording(log, "large", 2)));
            awaitQueued(pool, 2);
            Thread low = daemon(() -> pool.runner(5).runAll(recording(log, "serial", 1)));
            awaitQueued(pool, 3);
            release.countDown();
            for (Thread t : List.of(blocker, high, low)) {
                t.join(10_000);
            }
        }
        assertEquals(List.of("large0", "large1", "serial0"), log);
    }

    /**
     * Eigenvalue work of any matrix goes before every matrix's Gram tiles, so that two large matrices' band
     * reductions advance together and end together.
     */
    @Test
    void eigenvalueWorkGoesBeforeEveryGramTile() throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch release = new CountDownLatch(1);
        try (TilePool pool = new TilePool(1)) {
            Thread blocker = occupyTheWorker(pool, release, 1);
            Thread gram = daemon(() -> pool.runner(1).runAll(recording(log, "gram", 2)));
            awaitQueued(pool, 2);
            Thread eigenvalues = daemon(() -> pool.runner(5).forEigenvalues().runAll(recording(log, "eig", 2)));
            awaitQueued(pool, 4);
            release.countDown();
            for (Thread t : List.of(blocker, gram, eigenvalues)) {
                t.join(10_000);
            }
        }
        assertEquals(List.of("eig0", "eig1", "gram0", "gram1"), log);
    }

    /**
     * Tasks use memory their caller frees on return, so an interrupted caller still waits for the task that is
     * running, skips those not started, and then reports the interruption.
     */
    @Test
    void anInterruptedCallerWaitsForItsRunningTaskAndSkipsTheRest() throws Exception {
        try (TilePool pool = new TilePool(1)) {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean finished = new AtomicBoolean();
            AtomicBoolean secondRan = new AtomicBoolean();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean finishedBeforeReturn = new AtomicBoolean();
            AtomicBoolean stillInterrupted = new AtomicBoolean();
            Thread caller = daemon(() -> {
                try {
                    pool.runner(0).runAll(List.of(() -> {
                        running.countDown();
                        awaitQuietly(release);
                        finished.set(true);
                    }, () -> secondRan.set(true)));
                } catch (Throwable t) {
                    thrown.set(t);
                    finishedBeforeReturn.set(finished.get());
                    stillInterrupted.set(Thread.currentThread().isInterrupted());
                }
            });
            assertTrue(running.await(10, TimeUnit.SECONDS));
            caller.interrupt();
            Thread.sleep(200);
            assertTrue(caller.isAlive(), "returned while its task was still running");
            release.countDown();
            caller.join(10_000);
            assertEquals("analysis interrupted", thrown.get().getMessage());
            assertTrue(finishedBeforeReturn.get());
            assertFalse(secondRan.get());
            assertTrue(stillInterrupted.get());
        }
    }

    /** Closing the pool releases the callers of tasks still queued, with an error, instead of leaving them waiting. */
    @Test
    void closingThePoolReleasesTheCallersOfQueuedTasks() throws Exception {
        TilePool pool = new TilePool(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread blocker = occupyTheWorker(pool, release, 1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiting = daemon(() -> {
            try {
                pool.runner(1).runAll(List.of(() -> { }));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        awaitQueued(pool, 1);
        pool.close();
        waiting.join(10_000);
        assertFalse(waiting.isAlive(), "still waiting for a task that will never run");
        assertEquals("the analysis was stopped", thrown.get().getMessage());
        release.countDown();
        blocker.join(10_000);
    }

    /** A task that itself runs tasks (none does today) runs them on its own worker instead of waiting forever. */
    @Test
    void tasksRunByATaskRunOnItsWorker() throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        try (TilePool pool = new TilePool(1)) {
            Thread caller = daemon(() -> pool.runner(0).runAll(List.of(() -> {
                log.add("outer");
                pool.runner(1).runAll(recording(log, "inner", 2));
            })));
            caller.join(10_000);
            assertFalse(caller.isAlive(), "deadlocked");
        }
        assertEquals(List.of("outer", "inner0", "inner1"), log);
    }

    @Test
    void aFailingTileIsRethrownToItsCaller() {
        IllegalStateException boom = new IllegalStateException("boom");
        try (TilePool pool = new TilePool(2)) {
            assertSame(boom, assertThrows(IllegalStateException.class, () -> pool.runner(0).runAll(List.of(
                    () -> { }, () -> {
                        throw boom;
                    }))));
        }
    }

    /**
     * Starts a thread whose batch of {@code tasks} (priority 0) holds the pool's only worker in its first task until
     * {@code release} opens; returns once the worker is held.
     */
    private static Thread occupyTheWorker(TilePool pool, CountDownLatch release, int tasks)
            throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        List<Runnable> batch = new ArrayList<>();
        batch.add(() -> {
            held.countDown();
            awaitQuietly(release);
        });
        for (int i = 1; i < tasks; i++) {
            batch.add(() -> { });
        }
        Thread blocker = daemon(() -> pool.runner(0).runAll(batch));
        assertTrue(held.await(10, TimeUnit.SECONDS));
        return blocker;
    }

    /** A started daemon thread (so that a failed assertion cannot leave the test JVM waiting for it). */
    private static Thread daemon(Runnable body) {
        Thread t = new Thread(body);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void awaitQueued(TilePool pool, int tiles) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.queuedTiles() < tiles) {
            assertTrue(System.nanoTime() < deadline, "tiles were not queued");
            Thread.sleep(1);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
