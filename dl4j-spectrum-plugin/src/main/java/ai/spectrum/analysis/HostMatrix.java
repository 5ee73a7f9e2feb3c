package ai.spectrum.analysis;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads runs of a C-order float32 or float64 matrix from host memory into a {@code double[]}, converting to
 * float64. A view, another order or another type is copied once into a C-order float32/float64 array first. Not
 * thread-safe: one instance per thread.
 */
final class HostMatrix {
    private final INDArray array;
    private final FloatPointer floats;
    private final DoublePointer doubles;
    private float[] buffer = new float[0];

    private HostMatrix(INDArray array) {
        this.array = array;
        Nd4j.getAffinityManager().ensureLocation(array, AffinityManager.Location.HOST);
        if (array.dataType() == DataType.DOUBLE) {
            this.doubles = new DoublePointer(array.data().addressPointer());
            this.floats = null;
        } else {
            this.floats = new FloatPointer(array.data().addressPointer());
            this.doubles = null;
        }
    }

    static HostMatrix of(INDArray matrix) {
        INDArray m = matrix;
        boolean typeOk = m.dataType() == DataType.FLOAT || m.dataType() == DataType.DOUBLE;
        if (!typeOk) {
            m = m.castTo(DataType.FLOAT);
        }
        if (m.isView() || m.ordering() != 'c' || m.elementWiseStride() != 1 || m.offset() != 0
                || m.data().length() != m.length()) {
            m = m.dup('c');
        }
        return new HostMatrix(m);
    }

    /** Copies {@code count} elements starting at flat C-order index {@code from} into {@code dst[at...]}. */
    void read(long from, int count, double[] dst, int at) {
        if (doubles != null) {
            doubles.position(from).get(dst, at, count);
            return;
        }
        if (buffer.length < count) {
            buffer = new float[count];
        }
        floats.position(from).get(buffer, 0, count);
        for (int i = 0; i < count; i++) {
            dst[at + i] = buffer[i];
        }
    }

    /** Keeps the (possibly copied) array reachable while its memory is read. */
    INDArray array() {
        return array;
    }
}
