package ai.spectrum.analysis;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads blocks of a float32 or float64 matrix from host memory into a {@code double[]}, converting to float64.
 * The matrix is read in place when its elements are contiguous in C order or in Fortran order, as DL4J's own
 * weight views are (a Fortran-order view into the network's flat parameter vector): copying a 25,088 × 4,096 view
 * to C order cost about 0.9 s of one core. Any other layout is copied once into a C-order array first (of
 * float32, unless the matrix is float64). Either way a block reads the same values, so the analysis does not depend on the layout. Not
 * thread-safe: one instance per thread.
 */
final class HostMatrix {
    /** Columns of a Fortran-order matrix gathered at once before they are written row by row. */
    private static final int COLUMN_BATCH = 64;
    private final INDArray array;
    private final boolean columnMajor;
    private final long rows;
    private final long cols;
    private final FloatPointer floats;
    private final DoublePointer doubles;
    private float[] floatBuffer = new float[0];
    private double[] doubleBuffer = new double[0];

    private HostMatrix(INDArray array, boolean columnMajor) {
        this.array = array;
        this.columnMajor = columnMajor;
        this.rows = array.rows();
        this.cols = array.columns();
        Nd4j.getAffinityManager().ensureLocation(array, AffinityManager.Location.HOST);
        if (array.dataType() == DataType.DOUBLE) {
            this.doubles = new DoublePointer(array.data().addressPointer());
            this.floats = null;
        } else {
            this.floats = new FloatPointer(array.data().addressPointer());
            this.doubles = null;
        }
    }

    /** A reader of a rank-2 matrix, in place where its layout allows (see the class comment). */
    static HostMatrix of(INDArray matrix) {
        boolean typeOk = matrix.dataType() == DataType.FLOAT || matrix.dataType() == DataType.DOUBLE;
        long buffer = matrix.data().length();
        if (typeOk && (buffer == matrix.length() || matrix.offset() == 0 && buffer > matrix.length())) {
            // the data buffer starts with this matrix's elements: it holds exactly them (a view's buffer starts at
            // the view's offset), or the matrix begins it (such as the first layer's weights in a flat vector)
            long[] stride = matrix.stride();
            if (stride[1] == 1 && (stride[0] == matrix.columns() || matrix.rows() == 1)) {
                return new HostMatrix(matrix, false);
            }
            if (stride[0] == 1 && (stride[1] == matrix.rows() || matrix.columns() == 1)) {
                return new HostMatrix(matrix, true);
            }
        }
        INDArray m = typeOk ? matrix : matrix.castTo(DataType.FLOAT);
        return new HostMatrix(m.dup('c'), false);
    }

    /**
     * Copies the block of rows {@code [r0, r0 + nr)} and columns {@code [c0, c0 + nc)} into {@code dst} in row-major
     * order: {@code dst[i·nc + j] = W[r0 + i, c0 + j]}.
     */
    void readRowMajor(long r0, int nr, long c0, int nc, double[] dst) {
        if (!columnMajor) {
            for (int i = 0; i < nr; i++) {
                readRun((r0 + i) * cols + c0, nc, dst, i * nc);
            }
            return;
        }
        // Fortran order: each column's rows are contiguous; gather a batch of columns, then write it row by row
        // (columns are held nr + 8 apart: a power-of-two stride would map them all to the same cache sets)
        int stride = nr + 8;
        double[] batch = doubleBuffer(Math.multiplyExact(stride, Math.min(nc, COLUMN_BATCH)));
        for (int j0 = 0; j0 < nc; j0 += COLUMN_BATCH) {
            int width = Math.min(COLUMN_BATCH, nc - j0);
            for (int j = 0; j < width; j++) {
                readRun((c0 + j0 + j) * rows + r0, nr, batch, j * stride);
            }
            for (int i = 0; i < nr; i++) {
                int out = i * nc + j0;
                for (int j = 0; j < width; j++) {
                    dst[out + j] = batch[j * stride + i];
                }
            }
        }
    }

    /** Copies {@code count} consecutive elements of the data, from element {@code from}, into {@code dst[at...]}. */
    private void readRun(long from, int count, double[] dst, int at) {
        if (doubles != null) {
            doubles.position(from).get(dst, at, count);
            return;
        }
        if (floatBuffer.length < count) {
            floatBuffer = new float[count];
        }
        floats.position(from).get(floatBuffer, 0, count);
        for (int i = 0; i < count; i++) {
            dst[at + i] = floatBuffer[i];
        }
    }

    private double[] doubleBuffer(int length) {
        if (doubleBuffer.length < length) {
            doubleBuffer = new double[length];
        }
        return doubleBuffer;
    }

    /** Keeps the (possibly copied) array reachable while its memory is read. */
    INDArray array() {
        return array;
    }
}
