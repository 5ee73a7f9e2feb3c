package ai.spectrum.io.safetensors;

import ai.spectrum.io.ModelFormatException;
import ai.spectrum.io.TensorData;
import ai.spectrum.io.TensorDType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One open {@code .safetensors} file: its parsed, validated header and an open channel from which tensors are read on
 * demand with positional reads. Layout: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}}), then the data, with
 * offsets relative to its start. Thread-safe.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation's limit on the header size. */
    static final long MAX_HEADER_BYTES = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Tensor> tensors;

    /**
     * One tensor of the header.
     *
     * @param name   tensor name as stored
     * @param dtype  the dtype string as stored ({@code F32}, {@code BF16}, {@code I64}, ...)
     * @param shape  the shape (empty for a scalar)
     * @param begin  first data byte, relative to the data section
     * @param end    one past the last data byte
     */
    public record Tensor(String name, String dtype, long[] shape, long begin, long end) {
        public Tensor {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            shape = shape.clone();
        }

        /** A defensive copy of the shape. */
        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** The floating-point type of this tensor, or empty for integer, boolean and 8-bit types. */
        public Optional<TensorDType> floatType() {
            return switch (dtype) {
                case "F64" -> Optional.of(TensorDType.F64);
                case "F32" -> Optional.of(TensorDType.F32);
                case "F16" -> Optional.of(TensorDType.F16);
                case "BF16" -> Optional.of(TensorDType.BF16);
                default -> Optional.empty();
            };
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tensor t && name.equals(t.name) && dtype.equals(t.dtype)
                    && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape);
        }
    }

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, Tensor> tensors) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /**
     * Opens a file and validates its header: the length field, the JSON, and every tensor's dtype, shape and offsets
     * against the file size.
     *
     * @throws ModelFormatException if the file is truncated or its header is corrupt
     * @throws IOException          if the file cannot be opened
     */
    public static SafetensorsFile open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new SafetensorsFile(path, ch, 0, Map.of()).parse();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private SafetensorsFile parse() throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw new ModelFormatException(path, "not a safetensors file: " + size
                    + " bytes, too short for the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(lenBuf, 0);
        long n = lenBuf.getLong(0);
        if (n <= 0 || n > size - 8) {
            throw new ModelFormatException(path, "corrupt safetensors header: header length " + Long.toUnsignedString(n)
                    + " does not fit the file size " + size + " (truncated or not a safetensors file)");
        }
        if (n > MAX_HEADER_BYTES) {
            throw new ModelFormatException(path, "corrupt safetensors header: header length " + n
                    + " exceeds the format's limit of " + MAX_HEADER_BYTES + " bytes");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
        readFully(headerBuf, 8);
        String text = new String(headerBuf.array(), StandardCharsets.UTF_8);
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(path, "corrupt safetensors header: invalid JSON ("
                    + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(path, "corrupt safetensors header: expected a JSON object");
        }
        long dataSize = size - 8 - n;
        Map<String, Tensor> parsed = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            parsed.put(e.getKey(), tensor(e.getKey(), e.getValue(), dataSize));
        }
        return new SafetensorsFile(path, channel, 8 + n, parsed);
    }

    private Tensor tensor(String name, JsonNode node, long dataSize) throws ModelFormatException {
        String where = "corrupt safetensors header: tensor '" + name + "' ";
        if (!node.isObject() || !node.path("dtype").isTextual() || !node.path("shape").isArray()
                || !node.path("data_offsets").isArray() || node.path("data_offsets").size() != 2) {
            throw new ModelFormatException(path, where + "needs dtype, shape and two data_offsets");
        }
        JsonNode shapeNode = node.get("shape");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new ModelFormatException(path, where + "has an invalid shape " + shapeNode);
            }
            shape[i] = d.asLong();
        }
        JsonNode off = node.get("data_offsets");
        if (!off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber() || !off.get(0).canConvertToLong()
                || !off.get(1).canConvertToLong()) {
            throw new ModelFormatException(path, where + "has invalid data_offsets " + off);
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new ModelFormatException(path, where + "has data_offsets " + off + " outside the data section of "
                    + dataSize + " bytes (file truncated?)");
        }
        Tensor t = new Tensor(name, node.get("dtype").asText(), shape, begin, end);
        if (t.floatType().isPresent()) {
            long count = TensorData.elementCount(path, name, shape);
            long expected = count * t.floatType().get().bytes();
            if (end - begin != expected) {
                throw new ModelFormatException(path, where + "has " + (end - begin) + " data bytes but its shape "
                        + Arrays.toString(shape) + " of " + t.dtype() + " needs " + expected);
            }
        }
        return t;
    }

    private void readFully(ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = channel.read(buf, pos);
            if (r < 0) {
                throw new ModelFormatException(path, "file ended unexpectedly at byte " + pos);
            }
            pos += r;
        }
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** Every tensor in header order. */
    public List<Tensor> tensors() {
        return new ArrayList<>(tensors.values());
    }

    /** The tensor of a name, or empty. */
    public Optional<Tensor> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /**
     * Reads a floating-point tensor as float32 (float64 for {@code F64}), in C order.
     *
     * @throws IllegalArgumentException if the tensor is not a floating-point tensor of this file
     * @throws ModelFormatException     if the data is shorter than the header says
     */
    public INDArray read(Tensor t) throws IOException {
        if (!t.equals(tensors.get(t.name()))) {
            throw new IllegalArgumentException("tensor " + t + " is not part of " + path);
        }
        TensorDType type = t.floatType().orElseThrow(() -> new IllegalArgumentException("tensor '" + t.name()
                + "' has dtype " + t.dtype() + ", not a floating-point type"));
        return TensorData.read(TensorData.positional(channel, dataStart + t.begin()), type, ByteOrder.LITTLE_ENDIAN,
                t.shape(), 'c', path, t.name());
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
