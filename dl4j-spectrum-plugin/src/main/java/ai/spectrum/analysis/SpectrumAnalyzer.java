package ai.spectrum.analysis;

import ai.spectrum.Provenance;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Scores weight matrices by Spectrum's signal-to-noise ratio. Immutable and thread-safe; build with
 * {@link #builder()}.
 *
 * <pre>{@code
 * SpectrumAnalyzer analyzer = SpectrumAnalyzer.builder().optThreads(2).build();
 * ScanResult result = analyzer.scan(Dl4jNetwork.of(graph).weights(), ScanProgress.NOOP);
 * }</pre>
 */
public final class SpectrumAnalyzer {
    /**
     * Default of {@link Builder#optSnrTolerance}: {@link SvdMethod#AUTO} keeps the Gram spectrum when its error
     * bound fixes every value's side of τ and the SNR to this relative accuracy, so the SNR equals a float64
     * {@code gesvd}'s to 1e-9 whatever the matrix (the bound is a first-order estimate, 10–100× above the actual
     * error on MiniLM and rank-deficient test matrices). Realistic spectra of 2048-wide LLM matrices need
     * ~1e-8..1e-7 to keep the 2–3× faster Gram route, so large scans set a looser tolerance ({@code spectrum scan}
     * uses 1e-7); the original tool's float32 SVD moves SNRs by about 5e-8.
     */
    public static final double DEFAULT_SNR_TOLERANCE = 1e-10;
    /**
     * A looser tolerance for ranking: the {@code spectrum scan} command's default and the first pass of the listener's
     * SNR strategy. SNRs stay accurate to 1e-7 relative (the original tool's float32 SVD moves them by ~5e-8), and
     * realistic large matrices keep the Gram route instead of a float64 {@code gesvd}.
     */
    public static final double RANKING_SNR_TOLERANCE = 1e-7;
    private static final Logger LOG = LoggerFactory.getLogger(SpectrumAnalyzer.class);
    /** Matrices recomputed with gesvd by AUTO, over the JVM's life (for the scan's summary line). */
    private static final AtomicLong GESVD_FALLBACKS = new AtomicLong();
    private final SnrRule rule;
    private final SvdMethod method;
    private final double snrTolerance;
    private final int threads;
    private final boolean strict;
    private final UnaryOperator<WeightInfo> typeOverride;
    private final SymmetricEigenvalues eigenvalues;

    private SpectrumAnalyzer(Builder b) {
        this.rule = b.rule;
        this.method = b.method;
        this.snrTolerance = b.snrTolerance;
        this.threads = b.threads;
        this.strict = b.strict;
        this.typeOverride = b.typeOverride;
        this.eigenvalues = b.eigenvalues;
    }

    /** A builder with the defaults: rule {@code current}, method {@code AUTO}, 1 thread, strict. */
    public static Builder builder() {
        return new Builder();
    }

    /** The rule this analyzer applies. */
    public SnrRule rule() {
        return rule;
    }

    /** The configuration as strings, for provenance. */
    public Map<String, String> configuration() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("rule", rule.name().toLowerCase(java.util.Locale.ROOT));
        m.put("svdMethod", method.name());
        m.put("snrTolerance", Double.toString(snrTolerance));
        m.put("threads", Integer.toString(threads));
        m.put("strict", Boolean.toString(strict));
        m.put("gramEigenvalues", eigenvalues.describe());
        return m;
    }

    /**
     * Scores one tensor, with this analyzer's threads working inside the matrix (see {@link #scan}).
     *
     * @param name   module name, used in error messages
     * @param type   module type
     * @param tensor any floating-point tensor (1-D → 1×d, N-D → [shape[0], rest]); not modified
     * @return the score; with a non-strict analyzer a degenerate tensor scores NaN
     * @throws DegenerateWeightsException in strict mode, for NaN/infinite values or an all-zero tensor
     */
    public ModuleScore score(String name, String type, INDArray tensor) {
        Objects.requireNonNull(tensor, "tensor");
        NativeThreads previous = NativeThreads.limitToOne();
        TilePool pool = threads > 1 ? new TilePool(threads) : null;
        try {
            return score(name, type, tensor, pool == null ? SingularValues.TaskRunner.inline() : pool.runner(0));
        } finally {
            if (pool != null) {
                pool.close();
            }
            previous.restore();
        }
    }

    /**
     * Float64 working copies live in per-thread buffers reused from one matrix to the next (see
     * {@code GramScratch}); {@link #releaseWorkspace()} frees the calling thread's.
     */
    private ModuleScore score(String name, String type, INDArray tensor, SingularValues.TaskRunner tasks) {
        INDArray matrix = WeightMatrices.asMatrix(tensor);
        long rows = matrix.rows();
        long cols = matrix.columns();
        double absMax = matrix.amaxNumber().doubleValue();
        if (!Double.isFinite(absMax) || Double.isNaN(matrix.sumNumber().doubleValue())) {
            return degenerate(name, type, rows, cols, "weights contain NaN or infinite values");
        }
        if (absMax == 0) {
            return degenerate(name, type, rows, cols, "weights are all zero, so the SNR is undefined");
        }
        Spectrum spectrum = switch (method) {
            case GRAM -> SingularValues.gram(matrix, tasks, eigenvalues);
            case GESVD -> SingularValues.gesvd(matrix);
            case AUTO -> {
                Spectrum g = SingularValues.gram(matrix, tasks, eigenvalues);
                if (SnrMath.isResolved(g, rows, cols, snrTolerance)) {
                    yield g;
                }
                LOG.debug("{}: Gram route not resolved to {}, recomputing with gesvd", name, snrTolerance);
                GESVD_FALLBACKS.incrementAndGet();
                yield SingularValues.gesvd(matrix);
            }
        };
        return ModuleScore.computed(name, type, SnrMath.stats(spectrum.values(), rows, cols, rule));
    }

    /** Frees the calling thread's reusable analysis buffers (rebuilt on the next {@link #score} call). */
    public static void releaseWorkspace() {
        SingularValues.releaseScratch();
    }

    private ModuleScore degenerate(String name, String type, long rows, long cols, String problem) {
        if (strict) {
            throw new DegenerateWeightsException(name, problem);
        }
        return ModuleScore.computed(name, type, new SpectralStats(rows, cols, Double.NaN, Double.NaN, Double.NaN, 0,
                Double.NaN));
    }

    /**
     * Scores every tensor of a source. Up to {@code threads} matrices are loaded and analysed at once, largest
     * first; inside each, the Gram matrix's tiles (and, for large ones, the eigenvalue reduction's tiles) are shared
     * among all threads, so a few large matrices keep every thread busy, and the work of larger matrices runs
     * first, so that the largest one's serial steps overlap the other matrices' work (see {@code TilePool}). Native
     * BLAS/LAPACK calls run single-threaded meanwhile, and the tile decomposition does not depend on the thread
     * count: results are bitwise identical for every thread count.
     *
     * @return the scores in the source's order, with provenance
     * @throws IOException                if a tensor cannot be loaded
     * @throws DegenerateWeightsException in strict mode, for the first degenerate tensor in source order
     */
    public ScanResult scan(WeightSource source, ScanProgress progress) throws IOException {
        return scan(source, progress, Map.of());
    }

    /**
     * {@link #scan(WeightSource, ScanProgress)} that takes the scores of modules already analysed (for example by
     * an interrupted scan, kept in a journal) instead of analysing them again.
     *
     * @param completed scores by module name; entries for names the source does not list are ignored
     */
    public ScanResult scan(WeightSource source, ScanProgress progress, Map<String, ModuleScore> completed)
            throws IOException {
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(completed, "completed");
        List<WeightInfo> infos = source.weights();
        if (infos.isEmpty()) {
            throw new IllegalArgumentException("model '" + source.modelId() + "' has no weight tensors to analyse");
        }
        List<Integer> todo = new ArrayList<>();
        ModuleScore[] scores = new ModuleScore[infos.size()];
        long totalWork = 0;
        for (int i = 0; i < infos.size(); i++) {
            WeightInfo typed = typeOverride.apply(infos.get(i));
            ModuleScore done = completed.get(typed.name());
            if (done != null && done.type().equals(typed.type())) {
                scores[i] = done;
            } else {
                todo.add(i);
                totalWork += work(infos.get(i));
            }
        }
        todo.sort(Comparator.comparingLong((Integer i) -> work(infos.get(i))).reversed()
                .thenComparing(Comparator.naturalOrder()));
        int total = todo.size();
        long fallbacksBefore = GESVD_FALLBACKS.get();
        long t0 = System.nanoTime();
        progress.started(total, totalWork);
        AtomicInteger done = new AtomicInteger();
        NativeThreads previous = NativeThreads.limitToOne();
        TilePool tilePool = threads > 1 ? new TilePool(threads) : null;
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, total)), r -> {
            Thread t = new Thread(() -> {
                try {
                    r.run();
                } finally {
                    releaseWorkspace();
                }
            }, "spectrum-analyzer");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<ModuleScore>> futures = new ArrayList<>(total);
            for (int rank = 0; rank < total; rank++) {
                WeightInfo info = infos.get(todo.get(rank));
                // the largest matrix's work first: see TilePool
                SingularValues.TaskRunner tasks = tilePool == null ? SingularValues.TaskRunner.inline()
                        : tilePool.runner(rank);
                futures.add(pool.submit(() -> {
                    WeightInfo typed = typeOverride.apply(info);
                    ModuleScore sc;
                    INDArray tensor = source.load(info);
                    try {
                        sc = score(typed.name(), typed.type(), tensor, tasks);
                    } finally {
                        if (source.loadsFreshArrays()) {
                            tensor.close(); // free the off-heap copy now, not when the collector runs
                        }
                    }
                    synchronized (progress) {
                        progress.moduleDone(sc, done.incrementAndGet(), total, work(info));
                    }
                    return sc;
                }));
            }
            // failures are reported for the first failing module in source order
            Throwable first = null;
            int firstIndex = Integer.MAX_VALUE;
            for (int j = 0; j < futures.size(); j++) {
                try {
                    scores[todo.get(j)] = futures.get(j).get();
                } catch (ExecutionException e) {
                    if (todo.get(j) < firstIndex) {
                        firstIndex = todo.get(j);
                        first = e.getCause();
                    }
                    // stop: modules not started yet are cancelled, running ones finish (their futures are awaited)
                    dropQueued(pool);
                } catch (CancellationException e) {
                    // not started because another module failed first
                }
            }
            if (first != null) {
                throw rethrow(first);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("scan interrupted", e);
        } finally {
            dropQueued(pool);
            pool.shutdown();
            awaitRunning(pool);
            if (tilePool != null) {
                tilePool.close();
            }
            previous.restore();
        }
        LOG.info("analysed {} of {} matrices of {} in {} s on {} threads; {} recomputed with gesvd (SNR tolerance {})",
                total, infos.size(), source.modelId(), String.format(java.util.Locale.ROOT, "%.1f",
                        (System.nanoTime() - t0) / 1e9), threads, GESVD_FALLBACKS.get() - fallbacksBefore,
                snrTolerance);
        return new ScanResult(source.modelId(), rule, Arrays.asList(scores), Provenance.capture(configuration()));
    }

    private static IOException rethrow(Throwable c) {
        if (c instanceof IOException io) {
            return io;
        }
        if (c instanceof RuntimeException r) {
            throw r;
        }
        if (c instanceof Error err) {
            throw err;
        }
        throw new IllegalStateException("analysis failed: " + c, c);
    }

    /** Estimated arithmetic of one matrix, in multiply-adds: the Gram matrix (len·k²/2) plus its eigenvalues. */
    static long work(WeightInfo info) {
        long[] ms = WeightMatrices.matrixShape(info.shape());
        long k = Math.min(ms[0], ms[1]);
        long len = Math.max(ms[0], ms[1]);
        return len * k * k / 2 + 2 * k * k * k + len * k;
    }

    /**
     * The backend's native thread counts (BLAS and ND4J's own op threads). The analyzer parallelises itself
     * (matrices at once, Gram tiles inside a matrix) and runs native calls single-threaded: threaded reductions and
     * LAPACK's threaded {@code symv} sum partial results in a thread-dependent order, which would make results
     * depend on the thread count; and on 2 cores two threads each asking for two native threads were slower than
     * one.
     */
    private record NativeThreads(int blas, int ops) {
        static NativeThreads limitToOne() {
            NativeThreads before = new NativeThreads(Nd4j.factory().blas().getMaxThreads(),
                    Nd4j.getEnvironment().maxThreads());
            Nd4j.factory().blas().setMaxThreads(1);
            Nd4j.getEnvironment().setMaxThreads(1);
            return before;
        }

        void restore() {
            Nd4j.factory().blas().setMaxThreads(blas);
            Nd4j.getEnvironment().setMaxThreads(ops);
        }
    }

    /** Validating builder for {@link SpectrumAnalyzer}. */
    public static final class Builder {
        private SnrRule rule = SnrRule.CURRENT;
        private SvdMethod method = SvdMethod.AUTO;
        private double snrTolerance = DEFAULT_SNR_TOLERANCE;
        private int threads = 1;
        private boolean strict = true;
        private UnaryOperator<WeightInfo> typeOverride = UnaryOperator.identity();
        private SymmetricEigenvalues eigenvalues = SymmetricEigenvalues.standard();

        private Builder() {
        }

        /** The Gram route's eigenvalue routines; default {@link SymmetricEigenvalues#standard()} (for tests). */
        Builder optEigenvalues(SymmetricEigenvalues eigenvalues) {
            this.eigenvalues = Objects.requireNonNull(eigenvalues, "eigenvalues");
            return this;
        }

        /** The SNR rule; default {@link SnrRule#CURRENT}. */
        public Builder optRule(SnrRule rule) {
            this.rule = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /** How singular values are computed; default {@link SvdMethod#AUTO}. */
        public Builder optMethod(SvdMethod method) {
            this.method = Objects.requireNonNull(method, "method");
            return this;
        }

        /**
         * Threads of {@link #scan} and {@link #score}: matrices analysed at once, and helpers inside a large matrix;
         * default 1. Results do not depend on it. The backend's BLAS and op thread counts are set to 1 for the
         * duration of a scan or score and restored afterwards, which also affects other work running in the same
         * JVM meanwhile.
         */
        public Builder optThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * {@link SvdMethod#AUTO} keeps the fast Gram route when its error bound fixes which values lie above τ and
         * the SNR to this relative accuracy, else it computes the matrix again with {@code gesvd}; default
         * {@link #DEFAULT_SNR_TOLERANCE} (1e-10). Looser values (e.g. 1e-7) keep realistic large matrices on the
         * Gram route; tighter ones make more of them fall back to the 2–3× slower {@code gesvd}.
         */
        public Builder optSnrTolerance(double snrTolerance) {
            if (!(snrTolerance > 0 && snrTolerance < 1)) {
                throw new IllegalArgumentException("snrTolerance must be in (0, 1), got " + snrTolerance);
            }
            this.snrTolerance = snrTolerance;
            return this;
        }

        /**
         * Whether a NaN/infinite or all-zero tensor is an error (default {@code true}) or scores NaN, which the
         * selector never selects.
         */
        public Builder optStrict(boolean strict) {
            this.strict = strict;
            return this;
        }

        /**
         * Regroups modules: the function receives each tensor as the source describes it and returns it with the
         * type to use. Default: the source's own types.
         */
        public Builder optTypeOverride(UnaryOperator<WeightInfo> typeOverride) {
            this.typeOverride = Objects.requireNonNull(typeOverride, "typeOverride");
            return this;
        }

        public SpectrumAnalyzer build() {
            return new SpectrumAnalyzer(this);
        }
    }

    /** Cancels the modules not started yet, without interrupting the running ones. */
    private static void dropQueued(ExecutorService pool) {
        List<Runnable> queued = new ArrayList<>();
        ((java.util.concurrent.ThreadPoolExecutor) pool).getQueue().drainTo(queued);
        for (Runnable r : queued) {
            if (r instanceof Future<?> f) {
                f.cancel(false);
            }
        }
    }

    /**
     * Waits for the running modules to finish without interrupting them: an interrupted read of a
     * {@code FileChannel} closes the channel, and with it the weight source for every later scan. Only an interrupt
     * of the caller interrupts them.
     */
    private static void awaitRunning(ExecutorService pool) {
        try {
            while (!pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                LOG.info("waiting for the running matrices of a stopped scan to finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        }
    }
}
