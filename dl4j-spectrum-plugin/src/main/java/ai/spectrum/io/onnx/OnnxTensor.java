package ai.spectrum.io.onnx;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One initializer ({@code TensorProto}) of an ONNX graph, with its values as little-endian bytes in row-major
 * (C) order, whichever of {@code raw_data} or the typed {@code *_data} fields the file used.
 *
 * @param name     the initializer name, e.g. {@code embeddings.word_embeddings.weight}
 * @param dataType the element type
 * @param dims     the shape; empty for a scalar
 * @param data     a read-only little-endian view of {@code elementCount() * dataType.byteSize()} bytes
 */
public record OnnxTensor(String name, OnnxDataType dataType, long[] dims, ByteBuffer data) {
    public OnnxTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataType, "dataType");
        dims = dims.clone();
        long count = elementCount(name, dims);
        if (dataType.byteSize() > 0 && (long) data.remaining() != count * dataType.byteSize()) {
            throw new IllegalArgumentException("tensor '" + name + "' " + dataType + Arrays.toString(dims) + " needs "
                    + count * dataType.byteSize() + " bytes of data but has " + data.remaining());
        }
        data = data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A defensive copy of the shape. */
    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** A fresh read-only view of the data, positioned at the first element. */
    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The number of elements: the product of the dimensions (1 for a scalar). */
    public long elementCount() {
        return elementCount(name, dims);
    }

    /**
     * The values as floats (float16, bfloat16 and double are converted).
     *
     * @throws IllegalStateException if the type is not floating-point
     */
    public float[] toFloatArray() {
        ByteBuffer b = data();
        float[] out = new float[Math.toIntExact(elementCount())];
        switch (dataType) {
            case FLOAT -> b.asFloatBuffer().get(out);
            case DOUBLE -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) b.getDouble();
                }
            }
            case FLOAT16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = halfToFloat(b.getShort());
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                }
            }
            default -> throw new IllegalStateException("tensor '" + name + "' holds " + dataType + ", not floating-point");
        }
        return out;
    }

    /**
     * The values as longs (any integer or boolean type).
     *
     * @throws IllegalStateException for floating-point, string or complex types
     */
    public long[] toLongArray() {
        ByteBuffer b = data();
        long[] out = new long[Math.toIntExact(elementCount())];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (dataType) {
                case INT64, UINT64 -> b.getLong();
                case INT32 -> b.getInt();
                case UINT32 -> b.getInt() & 0xffffffffL;
                case INT16 -> b.getShort();
                case UINT16 -> b.getShort() & 0xffff;
                case INT8 -> b.get();
                case UINT8, BOOL -> b.get() & 0xff;
                default -> throw new IllegalStateException("tensor '" + name + "' holds " + dataType + ", not integers");
            };
        }
        return out;
    }

    /**
     * The values as a new C-order ND4J array of this shape: {@code DOUBLE} for double tensors, {@code FLOAT} for the
     * other floating-point types.
     *
     * @throws IllegalStateException if the type is not floating-point
     */
    public INDArray toINDArray() {
        long[] shape = dims.length == 0 ? new long[0] : dims;
        if (dataType == OnnxDataType.DOUBLE) {
            double[] v = new double[Math.toIntExact(elementCount())];
            data().asDoubleBuffer().get(v);
            return Nd4j.create(v, shape, DataType.DOUBLE);
        }
        return Nd4j.create(toFloatArray(), shape, 'c');
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OnnxTensor t && name.equals(t.name) && dataType == t.dataType
                && Arrays.equals(dims, t.dims) && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dataType, Arrays.hashCode(dims));
    }

    @Override
    public String toString() {
        return "OnnxTensor[" + name + " " + dataType + Arrays.toString(dims) + "]";
    }

    private static long elementCount(String name, long[] dims) {
        long count = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension: " + Arrays.toString(dims));
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("tensor '" + name + "' shape overflows: " + Arrays.toString(dims), e);
            }
        }
        return count;
    }

    /** IEEE 754 binary16 → float (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal (or zero)
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
