package ai.spectrum.io.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The parts of an ONNX {@code ModelProto} that weight analysis needs: the main graph's initializers and nodes.
 * Decoded directly from the protobuf wire format (field numbers of {@code onnx.proto}), so neither generated
 * classes nor SameDiff's ONNX import are involved. Node attributes, functions and training info are skipped.
 *
 * <pre>{@code
 * OnnxModel model = OnnxModel.read(Path.of("all-minilm-l6-v2.onnx"));
 * OnnxTensor emb = model.initializer("embeddings.word_embeddings.weight").orElseThrow();
 * }</pre>
 *
 * @param irVersion       the ONNX IR version
 * @param producerName    the exporter, e.g. {@code pytorch}; empty if absent
 * @param producerVersion the exporter version; empty if absent
 * @param graphName       the main graph's name; empty if absent
 * @param initializers    the graph's initializers in file order; names unique
 * @param nodes           the graph's nodes in file (topological) order
 * @param inputs          the graph's input names
 * @param outputs         the graph's output names
 */
public record OnnxModel(long irVersion, String producerName, String producerVersion, String graphName,
                        List<OnnxTensor> initializers, List<OnnxNode> nodes, List<String> inputs,
                        List<String> outputs) {

    // onnx.proto field numbers
    private static final int MODEL_IR_VERSION = 1;
    private static final int MODEL_PRODUCER_NAME = 2;
    private static final int MODEL_PRODUCER_VERSION = 3;
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_NAME = 2;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int GRAPH_SPARSE_INITIALIZER = 15;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_DOMAIN = 7;
    private static final int VALUE_INFO_NAME = 1;
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_SEGMENT = 3;
    private static final int TENSOR_FLOAT_DATA = 4;
    private static final int TENSOR_INT32_DATA = 5;
    private static final int TENSOR_INT64_DATA = 7;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    private static final int TENSOR_DOUBLE_DATA = 10;
    private static final int TENSOR_UINT64_DATA = 11;
    private static final int TENSOR_EXTERNAL_DATA = 13;
    private static final int TENSOR_DATA_LOCATION = 14;
    private static final int ENTRY_KEY = 1;
    private static final int ENTRY_VALUE = 2;

    public OnnxModel {
        Objects.requireNonNull(producerName, "producerName");
        Objects.requireNonNull(producerVersion, "producerVersion");
        Objects.requireNonNull(graphName, "graphName");
        initializers = List.copyOf(initializers);
        nodes = List.copyOf(nodes);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        Map<String, OnnxTensor> seen = new LinkedHashMap<>();
        for (OnnxTensor t : initializers) {
            if (seen.put(t.name(), t) != null) {
                throw new IllegalArgumentException("duplicate initializer name '" + t.name() + "'");
            }
        }
    }

    /**
     * Reads an ONNX file.
     *
     * @throws OnnxFormatException if the file is not a readable ONNX model (truncated, corrupt, external data, …)
     * @throws IOException         if the file cannot be read
     */
    public static OnnxModel read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new OnnxFormatException("ONNX file " + file + " is " + size
                    + " bytes; files of 2 GiB or more (which need external data) are not supported");
        }
        return parse(Files.readAllBytes(file), file.toString());
    }

    /**
     * Reads an ONNX model from a stream (read to its end; not closed).
     *
     * @throws OnnxFormatException if the bytes are not a readable ONNX model
     * @throws IOException         if the stream fails
     */
    public static OnnxModel read(InputStream in) throws IOException {
        return parse(in.readAllBytes(), "stream");
    }

    /** The initializer with this name, if any. */
    public Optional<OnnxTensor> initializer(String name) {
        for (OnnxTensor t : initializers) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The nodes that read the value with this name, in graph order. */
    public List<OnnxNode> consumers(String valueName) {
        List<OnnxNode> out = new ArrayList<>();
        for (OnnxNode n : nodes) {
            if (n.inputs().contains(valueName)) {
                out.add(n);
            }
        }
        return out;
    }

    /** The total number of elements over all floating-point initializers. */
    public long floatParameterCount() {
        long n = 0;
        for (OnnxTensor t : initializers) {
            if (t.dataType().isFloatingPoint()) {
                n += t.elementCount();
            }
        }
        return n;
    }

    private static OnnxModel parse(byte[] bytes, String source) throws OnnxFormatException {
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.enableAliasing(true); // raw_data becomes a view of `bytes`, not a copy
            return parseModel(in, source);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxFormatException("truncated or corrupt ONNX file " + source + ": " + e.getMessage(), e);
        } catch (OnnxFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new OnnxFormatException("cannot decode ONNX file " + source + ": " + e.getMessage(), e);
        }
    }

    private static OnnxModel parseModel(CodedInputStream in, String source) throws IOException {
        long ir = 0;
        String producer = "";
        String producerVersion = "";
        GraphParts graph = null;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case MODEL_IR_VERSION -> ir = readVarint(in, tag, "ModelProto.ir_version");
                case MODEL_PRODUCER_NAME -> producer = readString(in, tag, "ModelProto.producer_name");
                case MODEL_PRODUCER_VERSION -> producerVersion = readString(in, tag, "ModelProto.producer_version");
                case MODEL_GRAPH -> {
                    int old = enter(in, tag, "ModelProto.graph");
                    graph = parseGraph(in);
                    in.popLimit(old);
                }
                default -> in.skipField(tag);
            }
        }
        if (graph == null) {
            throw new OnnxFormatException("not an ONNX model: " + source + " has no graph (ModelProto field 7)");
        }
        try {
            return new OnnxModel(ir, producer, producerVersion, graph.name, graph.initializers, graph.nodes,
                    graph.inputs, graph.outputs);
        } catch (IllegalArgumentException e) {
            throw new OnnxFormatException("invalid ONNX model " + source + ": " + e.getMessage(), e);
        }
    }

    private static final class GraphParts {
        String name = "";
        final List<OnnxTensor> initializers = new ArrayList<>();
        final List<OnnxNode> nodes = new ArrayList<>();
        final List<String> inputs = new ArrayList<>();
        final List<String> outputs = new ArrayList<>();
    }

    private static GraphParts parseGraph(CodedInputStream in) throws IOException {
        GraphParts g = new GraphParts();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case GRAPH_NODE -> {
                    int old = enter(in, tag, "GraphProto.node");
                    g.nodes.add(parseNode(in));
                    in.popLimit(old);
                }
                case GRAPH_NAME -> g.name = readString(in, tag, "GraphProto.name");
                case GRAPH_INITIALIZER -> {
                    int old = enter(in, tag, "GraphProto.initializer");
                    g.initializers.add(parseTensor(in, g.initializers.size()));
                    in.popLimit(old);
                }
                case GRAPH_INPUT, GRAPH_OUTPUT -> {
                    int old = enter(in, tag, "GraphProto.input/output");
                    String name = parseValueInfoName(in);
                    in.popLimit(old);
                    (WireFormat.getTagFieldNumber(tag) == GRAPH_INPUT ? g.inputs : g.outputs).add(name);
                }
                case GRAPH_SPARSE_INITIALIZER -> throw new OnnxFormatException(
                        "the graph has sparse initializers (GraphProto.sparse_initializer), which are not supported");
                default -> in.skipField(tag);
            }
        }
        return g;
    }

    private static OnnxNode parseNode(CodedInputStream in) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String op = "";
        String domain = "";
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case NODE_INPUT -> inputs.add(readString(in, tag, "NodeProto.input"));
                case NODE_OUTPUT -> outputs.add(readString(in, tag, "NodeProto.output"));
                case NODE_NAME -> name = readString(in, tag, "NodeProto.name");
                case NODE_OP_TYPE -> op = readString(in, tag, "NodeProto.op_type");
                case NODE_DOMAIN -> domain = readString(in, tag, "NodeProto.domain");
                default -> in.skipField(tag);
            }
        }
        return new OnnxNode(name, op, domain, inputs, outputs);
    }

    private static String parseValueInfoName(CodedInputStream in) throws IOException {
        String name = "";
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) == VALUE_INFO_NAME) {
                name = readString(in, tag, "ValueInfoProto.name");
            } else {
                in.skipField(tag);
            }
        }
        return name;
    }

    private static OnnxTensor parseTensor(CodedInputStream in, int index) throws IOException {
        String name = "";
        int typeCode = 0;
        LongList dims = new LongList();
        ByteString raw = null;
        String location = null;
        boolean external = false;
        // typed fields are gathered per field number, since the element type may come after the data
        LongList int32s = null;
        LongList int64s = null;
        LongList uint64s = null;
        FloatList floats = null;
        DoubleList doubles = null;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            switch (field) {
                case TENSOR_DIMS -> readLongs(in, tag, dims, "TensorProto.dims");
                case TENSOR_DATA_TYPE -> typeCode = (int) readVarint(in, tag, "TensorProto.data_type");
                case TENSOR_SEGMENT -> throw new OnnxFormatException("initializer #" + index
                        + " is a segmented tensor (TensorProto.segment), which is not supported");
                case TENSOR_NAME -> name = readString(in, tag, "TensorProto.name");
                case TENSOR_RAW_DATA -> raw = readBytes(in, tag, "TensorProto.raw_data");
                case TENSOR_FLOAT_DATA -> readFloats(in, tag, floats = floats == null ? new FloatList() : floats);
                case TENSOR_DOUBLE_DATA -> readDoubles(in, tag, doubles = doubles == null ? new DoubleList() : doubles);
                case TENSOR_INT32_DATA -> readLongs(in, tag, int32s = int32s == null ? new LongList() : int32s,
                        "TensorProto.int32_data");
                case TENSOR_INT64_DATA -> readLongs(in, tag, int64s = int64s == null ? new LongList() : int64s,
                        "TensorProto.int64_data");
                case TENSOR_UINT64_DATA -> readLongs(in, tag, uint64s = uint64s == null ? new LongList() : uint64s,
                        "TensorProto.uint64_data");
                case TENSOR_EXTERNAL_DATA -> {
                    external = true;
                    int old = enter(in, tag, "TensorProto.external_data");
                    String key = "";
                    String value = "";
                    while (!in.isAtEnd()) {
                        int t = in.readTag();
                        switch (WireFormat.getTagFieldNumber(t)) {
                            case ENTRY_KEY -> key = readString(in, t, "StringStringEntryProto.key");
                            case ENTRY_VALUE -> value = readString(in, t, "StringStringEntryProto.value");
                            default -> in.skipField(t);
                        }
                    }
                    in.popLimit(old);
                    if (key.equals("location")) {
                        location = value;
                    }
                }
                case TENSOR_DATA_LOCATION -> external |= readVarint(in, tag, "TensorProto.data_location") == 1;
                default -> in.skipField(tag);
            }
        }
        String label = name.isEmpty() ? "initializer #" + index : "initializer '" + name + "'";
        if (external) {
            throw new OnnxFormatException(label + " stores its data in an external file"
                    + (location == null ? "" : " ('" + location + "')")
                    + "; ONNX external data is not supported — re-export the model with the weights inside the file");
        }
        if (name.isEmpty()) {
            throw new OnnxFormatException(label + " has no name");
        }
        OnnxDataType type = OnnxDataType.ofCode(typeCode).orElse(null);
        if (type == null) {
            throw new OnnxFormatException(label + " has unknown data_type " + typeCode);
        }
        long[] shape = dims.toArray();
        long count;
        long bytes;
        try {
            count = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new ArithmeticException("negative dimension " + d);
                }
                count = Math.multiplyExact(count, d);
            }
            bytes = Math.multiplyExact(count, (long) type.byteSize());
        } catch (ArithmeticException e) {
            throw new OnnxFormatException(label + " has an invalid shape " + java.util.Arrays.toString(shape), e);
        }
        ByteBuffer data;
        if (type == OnnxDataType.STRING) {
            data = ByteBuffer.allocate(0);
        } else if (raw != null) {
            data = raw.asReadOnlyByteBuffer();
        } else {
            if (bytes > Integer.MAX_VALUE) {
                throw new OnnxFormatException(label + " is too large: " + bytes + " bytes");
            }
            data = typedData(type, floats, doubles, int32s, int64s, uint64s, count, label);
        }
        if (type != OnnxDataType.STRING && data.remaining() != bytes) {
            throw new OnnxFormatException(label + " of type " + type + " and shape "
                    + java.util.Arrays.toString(shape) + " needs " + bytes + " bytes of data but the file holds "
                    + data.remaining() + " (truncated or corrupt)");
        }
        return new OnnxTensor(name, type, shape, data);
    }

    private static ByteBuffer typedData(OnnxDataType type, FloatList floats, DoubleList doubles, LongList int32s,
                                        LongList int64s, LongList uint64s, long count, String label)
            throws OnnxFormatException {
        int n;
        ByteBuffer b;
        switch (type) {
            case FLOAT -> {
                n = floats == null ? 0 : floats.size;
                b = allocate(n, 4, count, label);
                for (int i = 0; i < n; i++) {
                    b.putFloat(floats.values[i]);
                }
            }
            case DOUBLE -> {
                n = doubles == null ? 0 : doubles.size;
                b = allocate(n, 8, count, label);
                for (int i = 0; i < n; i++) {
                    b.putDouble(doubles.values[i]);
                }
            }
            case INT64 -> b = putLongs(int64s, 8, count, label);
            case UINT32, UINT64 -> b = putLongs(uint64s, type.byteSize(), count, label);
            case COMPLEX64 -> {
                n = floats == null ? 0 : floats.size;
                b = allocate(n, 4, count * 2, label);
                for (int i = 0; i < n; i++) {
                    b.putFloat(floats.values[i]);
                }
            }
            case COMPLEX128 -> {
                n = doubles == null ? 0 : doubles.size;
                b = allocate(n, 8, count * 2, label);
                for (int i = 0; i < n; i++) {
                    b.putDouble(doubles.values[i]);
                }
            }
            default -> b = putLongs(int32s, type.byteSize(), count, label); // int32_data carries the ≤32-bit types
        }
        b.flip();
        return b;
    }

    private static ByteBuffer putLongs(LongList values, int width, long count, String label) throws OnnxFormatException {
        int n = values == null ? 0 : values.size;
        ByteBuffer b = allocate(n, width, count, label);
        for (int i = 0; i < n; i++) {
            long v = values.values[i];
            for (int k = 0; k < width; k++) {
                b.put((byte) (v >>> (8 * k)));
            }
        }
        return b;
    }

    private static ByteBuffer allocate(int n, int width, long count, String label) throws OnnxFormatException {
        if (n != count) {
            throw new OnnxFormatException(label + " holds " + n + " values but its shape needs " + count
                    + " (truncated or corrupt)");
        }
        return ByteBuffer.allocate(n * width).order(ByteOrder.LITTLE_ENDIAN);
    }

    // ---- wire helpers ----

    private static int enter(CodedInputStream in, int tag, String what) throws IOException {
        expectWireType(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
        int length = in.readRawVarint32();
        if (length < 0) {
            throw new OnnxFormatException("corrupt ONNX file: negative length " + length + " for " + what);
        }
        return in.pushLimit(length); // throws if the length runs past the enclosing message or the file
    }

    private static long readVarint(CodedInputStream in, int tag, String what) throws IOException {
        expectWireType(tag, WireFormat.WIRETYPE_VARINT, what);
        return in.readInt64();
    }

    private static String readString(CodedInputStream in, int tag, String what) throws IOException {
        expectWireType(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
        return in.readString();
    }

    private static ByteString readBytes(CodedInputStream in, int tag, String what) throws IOException {
        expectWireType(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
        return in.readBytes();
    }

    private static void readLongs(CodedInputStream in, int tag, LongList out, String what) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int old = enter(in, tag, what);
            while (!in.isAtEnd()) {
                out.add(in.readInt64());
            }
            in.popLimit(old);
        } else {
            out.add(readVarint(in, tag, what));
        }
    }

    private static void readFloats(CodedInputStream in, int tag, FloatList out) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int old = enter(in, tag, "TensorProto.float_data");
            while (!in.isAtEnd()) {
                out.add(in.readFloat());
            }
            in.popLimit(old);
        } else {
            expectWireType(tag, WireFormat.WIRETYPE_FIXED32, "TensorProto.float_data");
            out.add(in.readFloat());
        }
    }

    private static void readDoubles(CodedInputStream in, int tag, DoubleList out) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int old = enter(in, tag, "TensorProto.double_data");
            while (!in.isAtEnd()) {
                out.add(in.readDouble());
            }
            in.popLimit(old);
        } else {
            expectWireType(tag, WireFormat.WIRETYPE_FIXED64, "TensorProto.double_data");
            out.add(in.readDouble());
        }
    }

    private static void expectWireType(int tag, int expected, String what) throws OnnxFormatException {
        int actual = WireFormat.getTagWireType(tag);
        if (actual != expected) {
            throw new OnnxFormatException("corrupt ONNX file: " + what + " has wire type " + actual
                    + ", expected " + expected);
        }
    }

    private static final class LongList {
        long[] values = new long[8];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }

    private static final class FloatList {
        float[] values = new float[8];
        int size;

        void add(float v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }
    }

    private static final class DoubleList {
        double[] values = new double[8];
        int size;

        void add(double v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }
    }
}
