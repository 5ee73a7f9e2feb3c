package ai.spectrum.io.onnx;

import java.util.Optional;

/** The element types of ONNX {@code TensorProto.DataType}, with their wire codes and element sizes. */
public enum OnnxDataType {
    FLOAT(1, 4),
    UINT8(2, 1),
    INT8(3, 1),
    UINT16(4, 2),
    INT16(5, 2),
    INT32(6, 4),
    INT64(7, 8),
    STRING(8, 0),
    BOOL(9, 1),
    FLOAT16(10, 2),
    DOUBLE(11, 8),
    UINT32(12, 4),
    UINT64(13, 8),
    COMPLEX64(14, 8),
    COMPLEX128(15, 16),
    BFLOAT16(16, 2);

    private final int code;
    private final int byteSize;

    OnnxDataType(int code, int byteSize) {
        this.code = code;
        this.byteSize = byteSize;
    }

    /** The {@code TensorProto.DataType} number. */
    public int code() {
        return code;
    }

    /** Bytes per element in {@code raw_data}; 0 for {@link #STRING}, which has no fixed size. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether the values are real floating-point numbers (float16, bfloat16, float, double). */
    public boolean isFloatingPoint() {
        return this == FLOAT || this == FLOAT16 || this == BFLOAT16 || this == DOUBLE;
    }

    /** The type with this wire code, if known. */
    public static Optional<OnnxDataType> ofCode(int code) {
        for (OnnxDataType t : values()) {
            if (t.code == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
