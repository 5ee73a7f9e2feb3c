package ai.spectrum.analysis;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SingularValuesTests {
    /**
     * Long sides beyond one slab, with a partial last slab, and Gram tiles with a partial last block accumulate the
     * same Gram spectrum.
     */
    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"7000, 600", "600, 7000", "9000, 300"})
    void gramAccumulatedOverSlabsMatchesGesvd(int rows, int cols) {
        int k = Math.min(rows, cols);
        int len = Math.max(rows, cols);
        assertTrue(len > SingularValues.slabRows(k, len) && len % SingularValues.slabRows(k, len) != 0,
                "needs several slabs, the last one partial");
        assertTrue(k > SingularValues.GRAM_BLOCK && k % SingularValues.GRAM_BLOCK != 0,
                "needs several tiles, the last one partial");
        Nd4j.getRandom().setSeed(rows * 31L + cols);
        INDArray w = Nd4j.randn(DataType.FLOAT, rows, cols);
        double[] g = SingularValues.gram(w).values();
        double[] s = SingularValues.gesvd(w).values();
        assertEquals(s.length, g.length);
        for (int i = 0; i < s.length; i++) {
            assertEquals(s[i], g[i], 1e-10 * s[0], "singular value " + i);
        }
    }

    @Nested
    @DisplayName("two-stage eigenvalues")
    class TwoStage {
        /** Lowered from 2,560 so that 300-wide Gram matrices take the two-stage route. */
        private static final int MIN_ORDER = 64;

        /** 700×300: random; rank 60 (240 zero singular values); two tight clusters of 150 values (10 and 1). */
        private static INDArray matrix(String kind) {
            Nd4j.getRandom().setSeed(kind.hashCode());
            return switch (kind) {
                case "random" -> Nd4j.randn(DataType.FLOAT, 700, 300);
                case "rank-deficient" -> Nd4j.randn(DataType.DOUBLE, 700, 60).mmul(Nd4j.randn(DataType.DOUBLE, 60, 300))
                        .castTo(DataType.FLOAT);
                case "clustered" -> {
                    double[] d = new double[300];
                    Arrays.fill(d, 0, 150, 10.0);
                    Arrays.fill(d, 150, 300, 1.0);
                    yield Nd4j.vstack(Nd4j.diag(Nd4j.createFromArray(d)),
                            Nd4j.randn(DataType.DOUBLE, 400, 300).muli(1e-4)).castTo(DataType.FLOAT);
                }
                default -> throw new IllegalArgumentException(kind);
            };
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"random", "rank-deficient", "clustered"})
        void agreesWithGesvdAndSyevWithinTheErrorBound(String kind) {
            assertTrue(SymmetricEigenvalues.twoStageAvailable(), "the CPU backend's OpenBLAS has dsyev_2stage");
            SymmetricEigenvalues twoStage = SymmetricEigenvalues.twoStageFrom(MIN_ORDER);
            assertEquals("dsyev_2stage", twoStage.routine(300));
            INDArray w = matrix(kind);
            Spectrum g = SingularValues.gram(w, SingularValues.TaskRunner.inline(), twoStage);
            Spectrum syev = SingularValues.gram(w, SingularValues.TaskRunner.inline(), SymmetricEigenvalues.syevOnly());
            Spectrum svd = SingularValues.gesvd(w);
            double[] v = g.values();
            double[] e = g.errorBound();
            for (int i = 0; i < v.length; i++) {
                assertEquals(svd.values()[i], v[i], e[i] + svd.errorBound()[i], kind + ": singular value " + i);
                assertEquals(syev.values()[i], v[i], e[i] + syev.errorBound()[i], kind + ": singular value " + i);
            }
        }

        @Test
        void withoutTheTwoStageRoutineResultsAreSyevsBitForBit() {
            INDArray w = matrix("random");
            SymmetricEigenvalues absent = new SymmetricEigenvalues(MIN_ORDER, null);
            assertEquals("syev", absent.routine(300));
            double[] syev = SingularValues.gram(w, SingularValues.TaskRunner.inline(), SymmetricEigenvalues.syevOnly())
                    .values();
            assertArrayEquals(syev, SingularValues.gram(w, SingularValues.TaskRunner.inline(), absent).values());
            // and the switch matters: the two-stage routine rounds differently
            assertFalse(Arrays.equals(syev, SingularValues.gram(w, SingularValues.TaskRunner.inline(),
                    SymmetricEigenvalues.twoStageFrom(MIN_ORDER)).values()));
        }

        @Test
        void theDefaultUsesTheTwoStageRoutineOnlyForLargeGramMatrices() {
            SymmetricEigenvalues standard = SymmetricEigenvalues.standard();
            assertEquals("syev", standard.routine(SymmetricEigenvalues.TWO_STAGE_MIN_ORDER - 1));
            assertEquals("dsyev_2stage", standard.routine(SymmetricEigenvalues.TWO_STAGE_MIN_ORDER));
            assertEquals("syev", SymmetricEigenvalues.syevOnly().routine(Integer.MAX_VALUE - 1));
        }
    }
}
