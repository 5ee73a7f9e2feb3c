package ai.spectrum.io.onnx;

import com.google.protobuf.CodedOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Hand-written ONNX protobuf messages for tests (field numbers from onnx.proto). */
final class OnnxBytes {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final CodedOutputStream out = CodedOutputStream.newInstance(buffer);

    static OnnxBytes message() {
        return new OnnxBytes();
    }

    OnnxBytes varint(int field, long value) {
        return write(() -> out.writeInt64(field, value));
    }

    OnnxBytes string(int field, String value) {
        return write(() -> out.writeString(field, value));
    }

    OnnxBytes bytes(int field, byte[] value) {
        return write(() -> out.writeByteArray(field, value));
    }

    OnnxBytes fixed32Float(int field, float value) {
        return write(() -> out.writeFloat(field, value));
    }

    OnnxBytes message(int field, OnnxBytes nested) {
        return bytes(field, nested.toByteArray());
    }

    byte[] toByteArray() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    private OnnxBytes write(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    private interface IoAction {
        void run() throws IOException;
    }

    /** A NodeProto. */
    static OnnxBytes node(String name, String op, String... inputs) {
        OnnxBytes n = message();
        for (String in : inputs) {
            n.string(1, in);
        }
        return n.string(2, name + ":out").string(3, name).string(4, op);
    }

    /** A ModelProto with one graph holding these nodes and initializers. */
    static byte[] model(OnnxBytes[] nodes, OnnxBytes... initializers) {
        OnnxBytes g = message().string(2, "g");
        for (OnnxBytes n : nodes) {
            g.message(1, n);
        }
        for (OnnxBytes t : initializers) {
            g.message(5, t);
        }
        return message().varint(1, 8).string(2, "test").message(7, g).toByteArray();
    }

    /** A float TensorProto with raw little-endian data. */
    static OnnxBytes floatTensor(String name, long[] dims, float... values) {
        OnnxBytes t = message();
        for (long d : dims) {
            t.varint(1, d);
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return t.varint(2, 1).string(8, name).bytes(9, b.array());
    }
}
