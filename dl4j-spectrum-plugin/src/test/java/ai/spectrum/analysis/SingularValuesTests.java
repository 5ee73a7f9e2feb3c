package ai.spectrum.analysis;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
