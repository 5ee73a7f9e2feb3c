package ai.spectrum.analysis;

import org.bytedeco.javacpp.DoublePointer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SingularValuesTests {
    /**
     * Long sides beyond one slab, with a partial last slab, and Gram tiles with a partial last block accumulate the
     * same Gram spectrum.
     */
    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"7000, 600", "600, 7000", "9000, 300", "4100, 1300"})
    void gramAccumulatedOverSlabsMatchesGesvd(int rows, int cols) {
        int k = Math.min(rows, cols);
        int len = Math.max(rows, cols);
        assertTrue(len > SingularValues.slabRows(k, len) && len % SingularValues.slabRows(k, len) != 0,
                "needs several slabs, the last one partial");
        int block = SingularValues.gramBlock(k);
        assertTrue(k > block && k % block != 0,
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
    @DisplayName("band-reduction eigenvalues")
    class Band {
        /** Lowered from 2,560 so that 300-wide Gram matrices take the band route. */
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
            assertTrue(BandReduction.available(), "the CPU backend's OpenBLAS has dgeqrt and dsbev_2stage");
            SymmetricEigenvalues band = SymmetricEigenvalues.bandFrom(MIN_ORDER);
            assertEquals("band", band.routine(300));
            INDArray w = matrix(kind);
            Spectrum g = SingularValues.gram(w, SingularValues.TaskRunner.inline(), band);
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
        void withoutTheBandRoutinesResultsAreSyevsBitForBit() {
            INDArray w = matrix("random");
            SymmetricEigenvalues absent = new SymmetricEigenvalues(MIN_ORDER, false);
            assertEquals("syev", absent.routine(300));
            double[] syev = SingularValues.gram(w, SingularValues.TaskRunner.inline(), SymmetricEigenvalues.syevOnly())
                    .values();
            assertArrayEquals(syev, SingularValues.gram(w, SingularValues.TaskRunner.inline(), absent).values());
            // and the switch matters: the band route rounds differently
            assertFalse(Arrays.equals(syev, SingularValues.gram(w, SingularValues.TaskRunner.inline(),
                    SymmetricEigenvalues.bandFrom(MIN_ORDER)).values()));
        }

        @Test
        void theDefaultUsesTheBandRouteOnlyForLargeGramMatrices() {
            SymmetricEigenvalues standard = SymmetricEigenvalues.standard();
            assertEquals("syev", standard.routine(SymmetricEigenvalues.BAND_MIN_ORDER - 1));
            assertEquals("band", standard.routine(SymmetricEigenvalues.BAND_MIN_ORDER));
            assertEquals("syev", SymmetricEigenvalues.syevOnly().routine(Integer.MAX_VALUE - 1));
        }

        /** Orders below one panel, at one panel and just above it: the same eigenvalues as syev, to rounding. */
        @ParameterizedTest(name = "order {0}")
        @ValueSource(ints = {1, 2, 3, 64, 65, 129})
        void smallOrdersAgreeWithSyev(int order) {
            Nd4j.getRandom().setSeed(order);
            INDArray x = Nd4j.randn(DataType.DOUBLE, order + 3, order);
            INDArray g = x.transpose().mmul(x).dup('f'); // fully stored symmetric
            double[] syev = SymmetricEigenvalues.syevOnly().ascending(g.dup('f'), order,
                    SingularValues.TaskRunner.inline());
            double[] band = BandReduction.ascending(new DoublePointer(g.dup('f').data().addressPointer()), order,
                    SingularValues.TaskRunner.inline());
            double scale = syev[order - 1];
            for (int i = 0; i < order; i++) {
                assertEquals(syev[i], band[i], 1e-12 * scale, "eigenvalue " + i);
            }
        }

        /**
         * A Gram matrix of order 1,088 or 1,100 spans three tiles of the band reduction (the last partial) and 17
         * panels: its values agree with syev's within the error bound, and two worker threads give the same bits as
         * the calling thread alone.
         */
        @ParameterizedTest(name = "order {0}")
        @ValueSource(ints = {1100, 1088})
        void severalTilesAgreeWithSyevAndDoNotDependOnTheThreads(int order) {
            // 1,100: the last panel 12 wide; 1,088 = 17 × 64: every panel full
            assertTrue(order > 2 * BandReduction.TILE);
            Nd4j.getRandom().setSeed(order);
            INDArray w = Nd4j.randn(DataType.FLOAT, 1500, order);
            SymmetricEigenvalues band = SymmetricEigenvalues.bandFrom(MIN_ORDER);
            Spectrum inline = SingularValues.gram(w, SingularValues.TaskRunner.inline(), band);
            Spectrum syev = SingularValues.gram(w, SingularValues.TaskRunner.inline(), SymmetricEigenvalues.syevOnly());
            for (int i = 0; i < inline.values().length; i++) {
                assertEquals(syev.values()[i], inline.values()[i], inline.errorBound()[i] + syev.errorBound()[i],
                        "singular value " + i);
            }
            try (TilePool pool = new TilePool(2)) {
                assertArrayEquals(inline.values(), SingularValues.gram(w, pool.runner(0), band).values());
            }
        }
    }

    /** Up to order 1,024 tiles stay 256 wide (and results keep their bits); beyond, a quarter of k up to 1,024. */
    @ParameterizedTest(name = "k={0} -> {1}")
    @CsvSource({"1, 256", "384, 256", "1024, 256", "1025, 384", "2048, 512", "3072, 768", "4096, 1024", "25088, 1024"})
    void gramTileWidthDependsOnlyOnTheOrder(int k, int width) {
        assertEquals(width, SingularValues.gramBlock(k));
    }

    @Nested
    @DisplayName("matrix layouts")
    class Layouts {
        /**
         * DL4J keeps a dense layer's weights as a Fortran-order view into the network's flat parameter vector:
         * such a matrix is read in place, not copied, and gives the same bits as its C-order copy, tall or wide,
         * float32 or float64.
         */
        @ParameterizedTest(name = "{0}x{1} {2} {3}-order at offset {4}")
        @CsvSource({"3000, 700, FLOAT, f, 37", "700, 3000, FLOAT, f, 37", "1200, 300, DOUBLE, f, 37",
                "700, 1300, DOUBLE, f, 0", "3000, 700, FLOAT, c, 37", "1300, 700, FLOAT, c, 0"})
        void viewsIntoAFlatVectorAreReadInPlaceWithTheSameBits(int rows, int cols, DataType type, char order,
                                                               int offset) {
            Nd4j.getRandom().setSeed(rows + cols);
            INDArray flat = Nd4j.randn(type, 1, (long) rows * cols + 37 + offset);
            INDArray view = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(offset, offset + (long) rows * cols))
                    .reshape(order, rows, cols);
            assertTrue(view.isView() && view.ordering() == order);
            assertSame(view, HostMatrix.of(view).array(), "read in place");
            INDArray copy = view.dup('c');
            assertTrue(!copy.isView() && copy.ordering() == 'c');
            assertSame(copy, HostMatrix.of(copy).array(), "read in place");
            assertArrayEquals(SingularValues.gram(copy).values(), SingularValues.gram(view).values());
            assertArrayEquals(SingularValues.gesvd(copy).values(), SingularValues.gram(view).values(),
                    1e-9 * SingularValues.gesvd(copy).values()[0]);
        }

        @Test
        void otherLayoutsAreCopiedFirst() {
            INDArray strided = Nd4j.randn(DataType.FLOAT, 40, 60).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 60));
            assertNotSame(strided, HostMatrix.of(strided).array());
            assertArrayEquals(SingularValues.gram(strided.dup('c')).values(), SingularValues.gram(strided).values());
        }
    }
}
