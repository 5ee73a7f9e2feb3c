package ai.spectrum.analysis;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Invariants of the spectrum and the SNR over seeded random matrices of random shapes. */
class SpectralInvariantsProperties {
    private static final SpectrumAnalyzer ANALYZER = SpectrumAnalyzer.builder().build();

    /** A random matrix with a planted low-rank signal, so both sides of τ are populated. */
    private static INDArray matrix(long seed, int rows, int cols) {
        Nd4j.getRandom().setSeed(seed);
        INDArray noise = Nd4j.randn(DataType.DOUBLE, rows, cols).muli(0.05);
        INDArray u = Nd4j.randn(DataType.DOUBLE, rows, 2);
        INDArray v = Nd4j.randn(DataType.DOUBLE, 2, cols);
        return noise.addi(u.mmul(v).muli(0.3 / Math.sqrt(cols))).castTo(DataType.FLOAT);
    }

    @Property(tries = 40)
    void sumOfSquaredSingularValuesIsTheSquaredFrobeniusNorm(@ForAll long seed, @ForAll @IntRange(min = 1, max = 90) int rows,
                                                            @ForAll @IntRange(min = 1, max = 90) int cols) {
        INDArray w = matrix(seed, rows, cols).castTo(DataType.DOUBLE);
        double fro = w.norm2Number().doubleValue();
        for (SvdMethod m : SvdMethod.values()) {
            double sum = 0;
            for (double s : SingularValues.of(w, m)) {
                sum += s * s;
            }
            assertEquals(fro * fro, sum, 1e-10 * fro * fro, m.name());
        }
    }

    @Property(tries = 40)
    void transposingChangesNothing(@ForAll long seed, @ForAll @IntRange(min = 2, max = 90) int rows,
                                   @ForAll @IntRange(min = 2, max = 90) int cols) {
        INDArray w = matrix(seed, rows, cols);
        SpectralStats a = ANALYZER.score("w", "t", w).stats().orElseThrow();
        SpectralStats b = ANALYZER.score("w", "t", w.transpose().dup()).stats().orElseThrow();
        assertEquals(a.nSignal(), b.nSignal());
        assertEquals(a.snr(), b.snr(), 1e-9 * Math.abs(a.snr()));
        assertEquals(a.tau(), b.tau(), 1e-9 * a.sigmaMax());
    }

    @Property(tries = 40)
    void scalingByCDividesTheReportedValueByCUnlessEveryValueIsSignal(@ForAll long seed, @ForAll @IntRange(min = 2, max = 90) int rows,
                                             @ForAll @IntRange(min = 2, max = 90) int cols,
                                             @ForAll @DoubleRange(min = 0.01, max = 100) double c) {
        INDArray w = matrix(seed, rows, cols).castTo(DataType.DOUBLE);
        SpectralStats a = ANALYZER.score("w", "t", w).stats().orElseThrow();
        SpectralStats b = ANALYZER.score("w", "t", w.mul(c)).stats().orElseThrow();
        // τ scales with c, so the signal/noise split is unchanged unless a value sits exactly at τ
        assertEquals(a.nSignal(), b.nSignal());
        // with an empty noise set the current rule divides by a constant 1.0, so the value is scale-free instead
        double want = a.nSignal() == Math.min(rows, cols) ? a.snr() : a.snr() / c;
        assertEquals(want, b.snr(), 1e-9 * Math.abs(want));
        assertEquals(a.sigmaMax() * c, b.sigmaMax(), 1e-12 * a.sigmaMax() * c);
    }

    @Property(tries = 30)
    void gramAndGesvdAgreeOnWellConditionedMatrices(@ForAll long seed, @ForAll @IntRange(min = 1, max = 80) int rows,
                                                    @ForAll @IntRange(min = 1, max = 80) int cols) {
        INDArray w = matrix(seed, rows, cols);
        double[] g = SingularValues.of(w, SvdMethod.GRAM);
        double[] s = SingularValues.of(w, SvdMethod.GESVD);
        double[] gs = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            gs[i] = Math.abs(g[i] - s[i]) <= 1e-6 * s[0] ? s[i] : g[i];
        }
        assertArrayEquals(s, gs);
    }

    /** The Gram route alone fails this (e.g. rank 1 with noise 1e-4: 10088.7851 vs 10088.7854); AUTO must not. */
    @Property(tries = 60)
    void autoMethodAgreesWithGesvdEvenOnRankDeficientMatrices(@ForAll long seed,
                                                             @ForAll @IntRange(min = 2, max = 70) int rows,
                                                             @ForAll @IntRange(min = 2, max = 70) int cols,
                                                             @ForAll @IntRange(min = 1, max = 70) int rank,
                                                             @ForAll @IntRange(min = 0, max = 12) int noiseExponent) {
        Nd4j.getRandom().setSeed(seed);
        int r = Math.min(rank, Math.min(rows, cols));
        INDArray w = Nd4j.randn(DataType.DOUBLE, rows, r).mmul(Nd4j.randn(DataType.DOUBLE, r, cols))
                .addi(Nd4j.randn(DataType.DOUBLE, rows, cols).muli(Math.pow(10, -noiseExponent)));
        for (SnrRule rule : SnrRule.values()) {
            double auto = SpectrumAnalyzer.builder().optRule(rule).build().score("w", "t", w).snr();
            double exact = SpectrumAnalyzer.builder().optRule(rule).optMethod(SvdMethod.GESVD).build()
                    .score("w", "t", w).snr();
            if (Double.isInfinite(exact)) {
                assertEquals(exact, auto, rule.name());
            } else {
                assertEquals(exact, auto, 1e-9 * Math.abs(exact), rule + " rank " + r + " noise 1e-" + noiseExponent);
            }
        }
    }
}
