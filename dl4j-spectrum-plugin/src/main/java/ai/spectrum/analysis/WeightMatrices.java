package ai.spectrum.analysis;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/** The original tool's rule for turning any weight tensor into a matrix. */
public final class WeightMatrices {
    private WeightMatrices() {
    }

    /**
     * The matrix shape of a tensor: 1-D {@code [d]} → {@code [1, d]}, 2-D unchanged, N-D → {@code [shape[0], rest]}.
     *
     * @throws IllegalArgumentException for a scalar or a tensor with a zero dimension
     */
    public static long[] matrixShape(long[] shape) {
        if (shape.length == 0) {
            throw new IllegalArgumentException("a scalar has no singular values");
        }
        long rest = 1;
        for (int i = 1; i < shape.length; i++) {
            rest = Math.multiplyExact(rest, shape[i]);
        }
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor has an empty dimension: shape " + Arrays.toString(shape));
            }
        }
        return shape.length == 1 ? new long[]{1, shape[0]} : new long[]{shape[0], rest};
    }

    /** Reshapes a tensor (C order, as numpy and PyTorch do) into its analysis matrix. */
    public static INDArray asMatrix(INDArray tensor) {
        long[] ms = matrixShape(tensor.shape());
        if (tensor.rank() == 2) {
            return tensor;
        }
        return tensor.dup('c').reshape('c', ms[0], ms[1]);
    }
}
