package ai.spectrum.io;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Decodes raw tensor bytes into an {@link INDArray}, a bounded chunk at a time, so that only the decoded array is
 * held in memory. Shared by the file readers.
 */
public final class TensorData {
    private static final int CHUNK = 1 << 22;

    private TensorData() {
    }

    /** Reads bytes into a buffer; returns the number read, or -1 at end of input. */
    @FunctionalInterface
    public interface ByteReader {
        int read(ByteBuffer dst) throws IOException;
    }

    /** A reader over {@code channel} starting at {@code position}, using positional reads (thread-safe). */
    public static ByteReader positional(FileChannel channel, long position) {
        long[] pos = {position};
        return dst -> {
            int n = channel.read(dst, pos[0]);
            if (n > 0) {
                pos[0] += n;
            }
            return n;
        };
    }

    /** A reader over a sequential channel. */
    public static ByteReader sequential(ReadableByteChannel channel) {
        return channel::read;
    }

    /** The element count of a shape, checked to fit a Java array. */
    public static int elementCount(Path file, String tensor, long[] shape) throws ModelFormatException {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new ModelFormatException(file, "tensor '" + tensor + "' has a negative dimension in shape "
                        + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new ModelFormatException(file, "tensor '" + tensor + "' has an impossible shape "
                        + Arrays.toString(shape), e);
            }
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(file, "tensor '" + tensor + "' has " + n
                    + " elements, more than one Java array can hold");
        }
        return (int) n;
    }

    /**
     * Reads a tensor.
     *
     * @param in       the bytes, positioned at the tensor's first element
     * @param dtype    element type
     * @param order    byte order of the elements
     * @param shape    tensor shape
     * @param ordering {@code 'c'} (row-major) or {@code 'f'} (column-major) element order
     * @param file     the file, for messages
     * @param tensor   the tensor name, for messages
     * @return a new float32 array (float64 for {@link TensorDType#F64}) of the given shape, in C order, outside any
     *         workspace
     * @throws ModelFormatException if the input ends before the tensor does
     */
    public static INDArray read(ByteReader in, TensorDType dtype, ByteOrder order, long[] shape, char ordering,
                                Path file, String tensor) throws IOException {
        int n = elementCount(file, tensor, shape);
        long[] s = shape.length == 0 ? new long[]{1} : shape;
        INDArray arr;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            arr = Nd4j.createUninitialized(dtype.isDouble() ? DataType.DOUBLE : DataType.FLOAT, s, ordering);
        }
        // decoded a chunk at a time straight into the array's memory: the tensor exists once, off-heap
        Pointer target = arr.data().addressPointer();
        if (!dtype.isHalf() && order == ByteOrder.nativeOrder()) {
            readRaw(in, target, (long) n * dtype.bytes(), arr, file, tensor);
        } else {
            decode(in, dtype, order, n, target, arr, file, tensor);
        }
        Nd4j.getAffinityManager().tagLocation(arr, AffinityManager.Location.HOST);
        if (ordering == 'c') {
            return arr;
        }
        INDArray c = arr.dup('c');
        arr.close();
        return c;
    }

    /**
     * Float32/float64 in the machine's byte order: the file's bytes are the array's, so they are read straight into
     * its memory, a chunk at a time (one copy instead of four: channel buffer, heap buffer, Java array, native).
     */
    private static void readRaw(ByteReader in, Pointer target, long bytes, INDArray arr, Path file, String tensor)
            throws IOException {
        long done = 0;
        while (done < bytes) {
            long count = Math.min(CHUNK, bytes - done);
            ByteBuffer window = new BytePointer(target).position(done).limit(done + count).capacity(done + count)
                    .asByteBuffer();
            while (window.hasRemaining()) {
                if (in.read(window) < 0) {
                    arr.close();
                    throw truncated(file, tensor, bytes, done + window.position());
                }
            }
            done += count;
        }
    }

    private static ModelFormatException truncated(Path file, String tensor, long expected, long got) {
        return new ModelFormatException(file, "tensor '" + tensor + "' is truncated: expected " + expected
                + " bytes of data, file ends after " + got);
    }

    private static void decode(ByteReader in, TensorDType dtype, ByteOrder order, int n, Pointer target,
                               INDArray arr, Path file, String tensor) throws IOException {
        int perChunk = Math.max(1, CHUNK / dtype.bytes());
        int chunkElements = Math.min(n, perChunk);
        Object chunk = dtype.isDouble() ? new double[chunkElements] : new float[chunkElements];
        ByteBuffer buf = ByteBuffer.allocate(chunkElements * dtype.bytes()).order(order);
        int done = 0;
        while (done < n) {
            int count = Math.min(perChunk, n - done);
            buf.clear();
            buf.limit(count * dtype.bytes());
            while (buf.hasRemaining()) {
                if (in.read(buf) < 0) {
                    arr.close();
                    throw truncated(file, tensor, (long) n * dtype.bytes(), (long) done * dtype.bytes()
                            + buf.position());
                }
            }
            buf.flip();
            dtype.decode(buf, chunk, 0, count);
            if (dtype.isDouble()) {
                new DoublePointer(target).position(done).put((double[]) chunk, 0, count);
            } else {
                new FloatPointer(target).position(done).put((float[]) chunk, 0, count);
            }
            done += count;
        }
    }
}
